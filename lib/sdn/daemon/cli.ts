// Entry point of bin/k8s-ovs.
import { main } from './main.js';

await main(process.argv.slice(2));
