// The spec reporter, plus the wall time of every test file (its hooks included), slowest first, at the end:
// the e2e suite has a time budget (README), and this is where it goes.
'use strict';
const path = require('node:path');
const Mocha = require('mocha');

const { EVENT_SUITE_BEGIN, EVENT_SUITE_END, EVENT_RUN_END } = Mocha.Runner.constants;

class TimedSpec extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const started = new Map();
    const files = new Map();
    runner.on(EVENT_SUITE_BEGIN, (suite) => { if (suite.file && suite.parent?.root) started.set(suite, Date.now()); });
    runner.on(EVENT_SUITE_END, (suite) => {
      const start = started.get(suite);
      if (start === undefined) return;
      const file = path.basename(suite.file);
      files.set(file, (files.get(file) ?? 0) + Date.now() - start);
    });
    runner.once(EVENT_RUN_END, () => {
      const rows = [...files].sort((a, b) => b[1] - a[1]);
      const total = rows.reduce((sum, [, ms]) => sum + ms, 0);
      Mocha.reporters.Base.consoleLog(`\n  Time per file (total ${(total / 1000).toFixed(0)} s):`);
      for (const [file, ms] of rows) Mocha.reporters.Base.consoleLog(`    ${(ms / 1000).toFixed(1).padStart(7)} s  ${file}`);
    });
  }
}

module.exports = TimedSpec;
