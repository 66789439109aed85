// ovs-appctl ofproto/trace output recorded on the sandbox cluster (OVS 3.1.0, userspace datapath) for the explainer tests.
// Written by test/tools/record-traces.ts (run it again when the pipeline changes); do not edit by hand.

export interface RecordedTrace {
  /** Where and what was traced. */
  readonly setting: string;
  readonly output: string;
}

export const vxlanArpMiss: RecordedTrace = {
  setting: 'n1: red/red-a to red/red-b on n2 (10.91.0.2, subnet 10.128.2.0/23) before any traffic: tunnel neighbour unknown',
  output: `Flow: ip,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.2.2,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

bridge("br0")
-------------
 0. priority 50, cookie 0x1bf0d244a4cb62c
    goto_table:20
20. ip,in_port=3,vlan_tci=0x0000/0x1fff,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2, priority 100, cookie 0x341235834e7eb98
    ct(table=22,zone=19279)
    drop
     -> A clone of the packet is forked to recirculate. The forked pipeline will be resumed at table 22.
     -> Sets the packet to an untracked state, and clears all the conntrack fields.

Final flow: unchanged
Megaflow: recirc_id=0,eth,ip,in_port=3,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2,nw_frag=no
Datapath actions: ct(zone=19279),recirc(0x1)

===============================================================================
recirc(0x1) - resume conntrack with default ct_state=trk|new (use --ct-next to customize)
===============================================================================

Flow: recirc_id=0x1,ct_state=new|trk,ct_zone=19279,eth,ip,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.2.2,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

bridge("br0")
-------------
    thaw
        Resuming from table 22
22. ip,in_port=3,nw_src=10.128.0.2, priority 100, cookie 0x341235834e7eb98
    set_field:0xb->reg0
    goto_table:25
25. priority 0, cookie 0x1bf0d244a4cb62c
    goto_table:27
27. priority 0, cookie 0x1bf0d244a4cb62c
    goto_table:30
30. ip,nw_dst=10.128.0.0/14, priority 100, cookie 0x1bf0d244a4cb62c
    goto_table:90
90. ip,nw_dst=10.128.2.0/23, priority 100, cookie 0x236e7ab0a8b29bd
    move:NXM_NX_REG0[]->NXM_NX_TUN_ID[0..31]
     -> NXM_NX_TUN_ID[0..31] is now 0xb
    set_field:10.91.0.2->tun_dst
    set_field:0x1->reg2
    goto_table:110
110. ct_state=+new+trk,ip, priority 150, cookie 0x1bf0d244a4cb62c
    ct(commit,zone=19279)
    drop
     -> Sets the packet to an untracked state, and clears all the conntrack fields.
    output:NXM_NX_REG2[]
     -> output port is 1
     -> output to native tunnel
     -> tunneling to 10.91.0.2 via br-phy
     -> neighbor cache miss for 10.91.0.2 on bridge br-phy, sending ARP request

Final flow: recirc_id=0x1,eth,ip,reg0=0xb,reg2=0x1,tun_src=0.0.0.0,tun_dst=10.91.0.2,tun_ipv6_src=::,tun_ipv6_dst=::,tun_gbp_id=0,tun_gbp_flags=0,tun_tos=0,tun_ttl=0,tun_erspan_ver=0,gtpu_flags=0,gtpu_msgtype=0,tun_flags=0,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.2.2,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no
Megaflow: recirc_id=0x1,ct_state=+new-est-rel-rpl+trk,ct_mark=0/0x1,eth,ip,in_port=3,nw_src=10.128.0.2,nw_dst=10.128.2.0/23,nw_proto=0,nw_ecn=0,nw_frag=no
Datapath actions: ct(commit,zone=19279)`,
};

export const localDelivered: RecordedTrace = {
  setting: 'n1: red/red-a (10.128.0.2, port 3) to red/red-c (10.128.0.4, port 5), same VNID 11',
  output: `Flow: ip,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.0.4,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

bridge("br0")
-------------
 0. priority 50, cookie 0x1bf0d244a4cb62c
    goto_table:20
20. ip,in_port=3,vlan_tci=0x0000/0x1fff,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2, priority 100, cookie 0x341235834e7eb98
    ct(table=22,zone=19279)
    drop
     -> A clone of the packet is forked to recirculate. The forked pipeline will be resumed at table 22.
     -> Sets the packet to an untracked state, and clears all the conntrack fields.

Final flow: unchanged
Megaflow: recirc_id=0,eth,ip,in_port=3,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2,nw_frag=no
Datapath actions: ct(zone=19279),recirc(0x2)

===============================================================================
recirc(0x2) - resume conntrack with default ct_state=trk|new (use --ct-next to customize)
===============================================================================

Flow: recirc_id=0x2,ct_state=new|trk,ct_zone=19279,eth,ip,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.0.4,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

bridge("br0")
-------------
    thaw
        Resuming from table 22
22. ip,in_port=3,nw_src=10.128.0.2, priority 100, cookie 0x341235834e7eb98
    set_field:0xb->reg0
    goto_table:25
25. priority 0, cookie 0x1bf0d244a4cb62c
    goto_table:27
27. priority 0, cookie 0x1bf0d244a4cb62c
    goto_table:30
30. ip,nw_dst=10.128.0.0/23, priority 200, cookie 0x1bf0d244a4cb62c
    goto_table:70
70. ip,reg0=0xb,nw_dst=10.128.0.4, priority 100, cookie 0x3efbc08d4f18741
    set_field:0a:58:0a:80:00:04->eth_dst
    set_field:0x5->reg2
    goto_table:80
80. priority 0, cookie 0x1bf0d244a4cb62c
    goto_table:110
110. ct_state=+new+trk,ip, priority 150, cookie 0x1bf0d244a4cb62c
    ct(commit,zone=19279)
    drop
     -> Sets the packet to an untracked state, and clears all the conntrack fields.
    output:NXM_NX_REG2[]
     -> output port is 5

Final flow: recirc_id=0x2,eth,ip,reg0=0xb,reg2=0x5,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=0a:58:0a:80:00:04,nw_src=10.128.0.2,nw_dst=10.128.0.4,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no
Megaflow: recirc_id=0x2,ct_state=+new-est-rel-rpl+trk,ct_mark=0/0x1,eth,ip,in_port=3,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.0.4,nw_proto=0,nw_frag=no
Datapath actions: set(eth(dst=0a:58:0a:80:00:04)),ct(commit,zone=19279),8`,
};

export const localDropped: RecordedTrace = {
  setting: 'n1: red/red-a (VNID 11) to blue/blue-a (10.128.0.3, port 4, VNID 12)',
  output: `Flow: ip,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.0.3,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

bridge("br0")
-------------
 0. priority 50, cookie 0x1bf0d244a4cb62c
    goto_table:20
20. ip,in_port=3,vlan_tci=0x0000/0x1fff,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2, priority 100, cookie 0x341235834e7eb98
    ct(table=22,zone=19279)
    drop
     -> A clone of the packet is forked to recirculate. The forked pipeline will be resumed at table 22.
     -> Sets the packet to an untracked state, and clears all the conntrack fields.

Final flow: unchanged
Megaflow: recirc_id=0,eth,ip,in_port=3,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2,nw_frag=no
Datapath actions: ct(zone=19279),recirc(0x2)

===============================================================================
recirc(0x2) - resume conntrack with default ct_state=trk|new (use --ct-next to customize)
===============================================================================

Flow: recirc_id=0x2,ct_state=new|trk,ct_zone=19279,eth,ip,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.0.3,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

bridge("br0")
-------------
    thaw
        Resuming from table 22
22. ip,in_port=3,nw_src=10.128.0.2, priority 100, cookie 0x341235834e7eb98
    set_field:0xb->reg0
    goto_table:25
25. priority 0, cookie 0x1bf0d244a4cb62c
    goto_table:27
27. priority 0, cookie 0x1bf0d244a4cb62c
    goto_table:30
30. ip,nw_dst=10.128.0.0/23, priority 200, cookie 0x1bf0d244a4cb62c
    goto_table:70
70. priority 0, cookie 0x1bf0d244a4cb62c
    drop

Final flow: recirc_id=0x2,ct_state=new|trk,ct_zone=19279,eth,ip,reg0=0xb,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.0.3,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no
Megaflow: recirc_id=0x2,ct_state=-est-rel+trk,eth,ip,in_port=3,nw_src=10.128.0.2,nw_dst=10.128.0.3,nw_proto=0,nw_frag=no
Datapath actions: drop`,
};

export const localTcp: RecordedTrace = {
  setting: 'n1: red/red-a to red/red-c tcp port 80: conntrack finds it new, commits it, then out of port 5',
  output: `Flow: tcp,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.0.4,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=80,tcp_flags=0

bridge("br0")
-------------
 0. priority 50, cookie 0x1bf0d244a4cb62c
    goto_table:20
20. ip,in_port=3,vlan_tci=0x0000/0x1fff,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2, priority 100, cookie 0x341235834e7eb98
    ct(table=22,zone=19279)
    drop
     -> A clone of the packet is forked to recirculate. The forked pipeline will be resumed at table 22.
     -> Sets the packet to an untracked state, and clears all the conntrack fields.

Final flow: unchanged
Megaflow: recirc_id=0,eth,ip,in_port=3,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2,nw_frag=no
Datapath actions: ct(zone=19279),recirc(0x2)

===============================================================================
recirc(0x2) - resume conntrack with default ct_state=trk|new (use --ct-next to customize)
===============================================================================

Flow: recirc_id=0x2,ct_state=new|trk,ct_zone=19279,eth,tcp,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.0.4,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=80,tcp_flags=0

bridge("br0")
-------------
    thaw
        Resuming from table 22
22. ip,in_port=3,nw_src=10.128.0.2, priority 100, cookie 0x341235834e7eb98
    set_field:0xb->reg0
    goto_table:25
25. priority 0, cookie 0x1bf0d244a4cb62c
    goto_table:27
27. priority 0, cookie 0x1bf0d244a4cb62c
    goto_table:30
30. ip,nw_dst=10.128.0.0/23, priority 200, cookie 0x1bf0d244a4cb62c
    goto_table:70
70. ip,reg0=0xb,nw_dst=10.128.0.4, priority 100, cookie 0x3efbc08d4f18741
    set_field:0a:58:0a:80:00:04->eth_dst
    set_field:0x5->reg2
    goto_table:80
80. priority 0, cookie 0x1bf0d244a4cb62c
    goto_table:110
110. ct_state=+new+trk,ip, priority 150, cookie 0x1bf0d244a4cb62c
    ct(commit,zone=19279)
    drop
     -> Sets the packet to an untracked state, and clears all the conntrack fields.
    output:NXM_NX_REG2[]
     -> output port is 5

Final flow: recirc_id=0x2,eth,tcp,reg0=0xb,reg2=0x5,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=0a:58:0a:80:00:04,nw_src=10.128.0.2,nw_dst=10.128.0.4,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=80,tcp_flags=0
Megaflow: recirc_id=0x2,ct_state=+new-est-rel-rpl+trk,ct_mark=0/0x1,eth,tcp,in_port=3,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.0.4,nw_frag=no
Datapath actions: set(eth(dst=0a:58:0a:80:00:04)),ct(commit,zone=19279),8`,
};

export const vxlanWarm: RecordedTrace = {
  setting: 'n1: red/red-a udp to red/red-b (10.128.2.2) on n2 (10.91.0.2) after a ping',
  output: `Flow: udp,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.2.2,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=53

bridge("br0")
-------------
 0. priority 50, cookie 0x1bf0d244a4cb62c
    goto_table:20
20. ip,in_port=3,vlan_tci=0x0000/0x1fff,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2, priority 100, cookie 0x341235834e7eb98
    ct(table=22,zone=19279)
    drop
     -> A clone of the packet is forked to recirculate. The forked pipeline will be resumed at table 22.
     -> Sets the packet to an untracked state, and clears all the conntrack fields.

Final flow: unchanged
Megaflow: recirc_id=0,eth,ip,in_port=3,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2,nw_frag=no
Datapath actions: ct(zone=19279),recirc(0x2)

===============================================================================
recirc(0x2) - resume conntrack with default ct_state=trk|new (use --ct-next to customize)
===============================================================================

Flow: recirc_id=0x2,ct_state=new|trk,ct_zone=19279,eth,udp,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.2.2,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=53

bridge("br0")
-------------
    thaw
        Resuming from table 22
22. ip,in_port=3,nw_src=10.128.0.2, priority 100, cookie 0x341235834e7eb98
    set_field:0xb->reg0
    goto_table:25
25. priority 0, cookie 0x1bf0d244a4cb62c
    goto_table:27
27. priority 0, cookie 0x1bf0d244a4cb62c
    goto_table:30
30. ip,nw_dst=10.128.0.0/14, priority 100, cookie 0x1bf0d244a4cb62c
    goto_table:90
90. ip,nw_dst=10.128.2.0/23, priority 100, cookie 0x236e7ab0a8b29bd
    move:NXM_NX_REG0[]->NXM_NX_TUN_ID[0..31]
     -> NXM_NX_TUN_ID[0..31] is now 0xb
    set_field:10.91.0.2->tun_dst
    set_field:0x1->reg2
    goto_table:110
110. ct_state=+new+trk,ip, priority 150, cookie 0x1bf0d244a4cb62c
    ct(commit,zone=19279)
    drop
     -> Sets the packet to an untracked state, and clears all the conntrack fields.
    output:NXM_NX_REG2[]
     -> output port is 1
     -> output to native tunnel
     -> tunneling to 10.91.0.2 via br-phy
     -> tunneling from e6:e3:78:49:76:4e 10.91.0.1 to 0e:90:1a:70:a7:49 10.91.0.2

bridge("br-phy")
----------------
 0. priority 0
    NORMAL
     -> forwarding to learned port

Final flow: recirc_id=0x2,eth,udp,reg0=0xb,reg2=0x1,tun_src=0.0.0.0,tun_dst=10.91.0.2,tun_ipv6_src=::,tun_ipv6_dst=::,tun_gbp_id=0,tun_gbp_flags=0,tun_tos=0,tun_ttl=0,tun_erspan_ver=0,gtpu_flags=0,gtpu_msgtype=0,tun_flags=0,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.2.2,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=53
Megaflow: recirc_id=0x2,ct_state=+new-est-rel-rpl+trk,ct_mark=0/0x1,eth,udp,in_port=3,nw_src=10.128.0.2,nw_dst=10.128.2.0/23,nw_ecn=0,nw_frag=no,tp_dst=0x0/0xf000
Datapath actions: ct(commit,zone=19279),tnl_push(tnl_port(4),header(size=50,type=4,eth(dst=0e:90:1a:70:a7:49,src=e6:e3:78:49:76:4e,dl_type=0x0800),ipv4(src=10.91.0.1,dst=10.91.0.2,proto=17,tos=0,ttl=64,frag=0x4000),udp(src=0,dst=4789,csum=0x0),vxlan(flags=0x8000000,vni=0xb)),out_port(2)),1`,
};

export const receivedDelivered: RecordedTrace = {
  setting: 'n2 (10.91.0.2): received over VXLAN from n1 with VNID 11 for red/red-b (10.128.2.2, port 3)',
  output: `Flow: ip,tun_src=10.91.0.1,tun_dst=10.91.0.2,tun_ipv6_src=::,tun_ipv6_dst=::,tun_gbp_id=0,tun_gbp_flags=0,tun_tos=0,tun_ttl=0,tun_erspan_ver=0,gtpu_flags=0,gtpu_msgtype=0,tun_flags=0,in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.2.2,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

bridge("br0")
-------------
 0. in_port=1, priority 200, cookie 0x1bf0d244a4cb62c
    goto_table:10
10. ip,tun_src=10.91.0.1,nw_src=10.128.0.0/23, priority 100, cookie 0x2d3da798113c01f
    move:NXM_NX_TUN_ID[0..31]->NXM_NX_REG0[]
     -> NXM_NX_REG0[] is now 0xb
    ct(table=30,zone=19279)
    drop
     -> A clone of the packet is forked to recirculate. The forked pipeline will be resumed at table 30.
     -> Sets the packet to an untracked state, and clears all the conntrack fields.

Final flow: ip,reg0=0xb,tun_src=10.91.0.1,tun_dst=10.91.0.2,tun_ipv6_src=::,tun_ipv6_dst=::,tun_gbp_id=0,tun_gbp_flags=0,tun_tos=0,tun_ttl=0,tun_erspan_ver=0,gtpu_flags=0,gtpu_msgtype=0,tun_flags=0,in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.2.2,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no
Megaflow: recirc_id=0,eth,ip,tun_id=0xb,tun_src=10.91.0.1,tun_dst=10.91.0.2,tun_tos=0,tun_flags=-df-csum-key,in_port=1,nw_src=10.128.0.0/23,nw_frag=no
Datapath actions: ct(zone=19279),recirc(0x3)

===============================================================================
recirc(0x3) - resume conntrack with default ct_state=trk|new (use --ct-next to customize)
===============================================================================

Flow: recirc_id=0x3,ct_state=new|trk,ct_zone=19279,eth,ip,reg0=0xb,tun_src=10.91.0.1,tun_dst=10.91.0.2,tun_ipv6_src=::,tun_ipv6_dst=::,tun_gbp_id=0,tun_gbp_flags=0,tun_tos=0,tun_ttl=0,tun_erspan_ver=0,gtpu_flags=0,gtpu_msgtype=0,tun_flags=0,in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.2.2,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

bridge("br0")
-------------
    thaw
        Resuming from table 30
30. ip,nw_dst=10.128.2.0/23, priority 200, cookie 0x1bf0d244a4cb62c
    goto_table:70
70. ip,reg0=0xb,nw_dst=10.128.2.2, priority 100, cookie 0x3ddd3389c0e74aa
    set_field:0a:58:0a:80:02:02->eth_dst
    set_field:0x3->reg2
    goto_table:80
80. priority 0, cookie 0x1bf0d244a4cb62c
    goto_table:110
110. ct_state=+new+trk,ip, priority 150, cookie 0x1bf0d244a4cb62c
    ct(commit,zone=19279)
    drop
     -> Sets the packet to an untracked state, and clears all the conntrack fields.
    output:NXM_NX_REG2[]
     -> output port is 3

Final flow: recirc_id=0x3,eth,ip,reg0=0xb,reg2=0x3,tun_src=10.91.0.1,tun_dst=10.91.0.2,tun_ipv6_src=::,tun_ipv6_dst=::,tun_gbp_id=0,tun_gbp_flags=0,tun_tos=0,tun_ttl=0,tun_erspan_ver=0,gtpu_flags=0,gtpu_msgtype=0,tun_flags=0,in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=0a:58:0a:80:02:02,nw_src=10.128.0.2,nw_dst=10.128.2.2,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no
Megaflow: recirc_id=0x3,ct_state=+new-est-rel-rpl+trk,ct_mark=0/0x1,eth,ip,tun_id=0xb,tun_src=10.91.0.1,tun_dst=10.91.0.2,tun_tos=0,tun_flags=-df-csum-key,in_port=1,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.0/23,nw_dst=10.128.2.2,nw_frag=no
Datapath actions: set(eth(dst=0a:58:0a:80:02:02)),ct(commit,zone=19279),6`,
};

export const receivedDropped: RecordedTrace = {
  setting: 'n2: received from n1 with VNID 12 (blue) for red/red-b (10.128.2.2, VNID 11)',
  output: `Flow: ip,tun_src=10.91.0.1,tun_dst=10.91.0.2,tun_ipv6_src=::,tun_ipv6_dst=::,tun_gbp_id=0,tun_gbp_flags=0,tun_tos=0,tun_ttl=0,tun_erspan_ver=0,gtpu_flags=0,gtpu_msgtype=0,tun_flags=0,in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.3,nw_dst=10.128.2.2,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

bridge("br0")
-------------
 0. in_port=1, priority 200, cookie 0x1bf0d244a4cb62c
    goto_table:10
10. ip,tun_src=10.91.0.1,nw_src=10.128.0.0/23, priority 100, cookie 0x2d3da798113c01f
    move:NXM_NX_TUN_ID[0..31]->NXM_NX_REG0[]
     -> NXM_NX_REG0[] is now 0xc
    ct(table=30,zone=19279)
    drop
     -> A clone of the packet is forked to recirculate. The forked pipeline will be resumed at table 30.
     -> Sets the packet to an untracked state, and clears all the conntrack fields.

Final flow: ip,reg0=0xc,tun_src=10.91.0.1,tun_dst=10.91.0.2,tun_ipv6_src=::,tun_ipv6_dst=::,tun_gbp_id=0,tun_gbp_flags=0,tun_tos=0,tun_ttl=0,tun_erspan_ver=0,gtpu_flags=0,gtpu_msgtype=0,tun_flags=0,in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.3,nw_dst=10.128.2.2,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no
Megaflow: recirc_id=0,eth,ip,tun_id=0xc,tun_src=10.91.0.1,tun_dst=10.91.0.2,tun_tos=0,tun_flags=-df-csum-key,in_port=1,nw_src=10.128.0.0/23,nw_frag=no
Datapath actions: ct(zone=19279),recirc(0x4)

===============================================================================
recirc(0x4) - resume conntrack with default ct_state=trk|new (use --ct-next to customize)
===============================================================================

Flow: recirc_id=0x4,ct_state=new|trk,ct_zone=19279,eth,ip,reg0=0xc,tun_src=10.91.0.1,tun_dst=10.91.0.2,tun_ipv6_src=::,tun_ipv6_dst=::,tun_gbp_id=0,tun_gbp_flags=0,tun_tos=0,tun_ttl=0,tun_erspan_ver=0,gtpu_flags=0,gtpu_msgtype=0,tun_flags=0,in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.3,nw_dst=10.128.2.2,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

bridge("br0")
-------------
    thaw
        Resuming from table 30
30. ip,nw_dst=10.128.2.0/23, priority 200, cookie 0x1bf0d244a4cb62c
    goto_table:70
70. priority 0, cookie 0x1bf0d244a4cb62c
    drop

Final flow: unchanged
Megaflow: recirc_id=0x4,eth,ip,tun_id=0xc,tun_src=10.91.0.1,tun_dst=10.91.0.2,tun_tos=0,tun_flags=-df-csum-key,in_port=1,nw_dst=10.128.2.2/31,nw_frag=no
Datapath actions: drop`,
};

export const receivedUdp: RecordedTrace = {
  setting: 'n2 (10.91.0.2): udp/53 received from n1 with VNID 11 for red/red-b (10.128.2.2, port 3)',
  output: `Flow: udp,tun_src=10.91.0.1,tun_dst=10.91.0.2,tun_ipv6_src=::,tun_ipv6_dst=::,tun_gbp_id=0,tun_gbp_flags=0,tun_tos=0,tun_ttl=0,tun_erspan_ver=0,gtpu_flags=0,gtpu_msgtype=0,tun_flags=0,in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.2.2,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=53

bridge("br0")
-------------
 0. in_port=1, priority 200, cookie 0x1bf0d244a4cb62c
    goto_table:10
10. ip,tun_src=10.91.0.1,nw_src=10.128.0.0/23, priority 100, cookie 0x2d3da798113c01f
    move:NXM_NX_TUN_ID[0..31]->NXM_NX_REG0[]
     -> NXM_NX_REG0[] is now 0xb
    ct(table=30,zone=19279)
    drop
     -> A clone of the packet is forked to recirculate. The forked pipeline will be resumed at table 30.
     -> Sets the packet to an untracked state, and clears all the conntrack fields.

Final flow: udp,reg0=0xb,tun_src=10.91.0.1,tun_dst=10.91.0.2,tun_ipv6_src=::,tun_ipv6_dst=::,tun_gbp_id=0,tun_gbp_flags=0,tun_tos=0,tun_ttl=0,tun_erspan_ver=0,gtpu_flags=0,gtpu_msgtype=0,tun_flags=0,in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.2.2,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=53
Megaflow: recirc_id=0,eth,ip,tun_id=0xb,tun_src=10.91.0.1,tun_dst=10.91.0.2,tun_tos=0,tun_flags=-df-csum-key,in_port=1,nw_src=10.128.0.0/23,nw_frag=no
Datapath actions: ct(zone=19279),recirc(0x5)

===============================================================================
recirc(0x5) - resume conntrack with default ct_state=trk|new (use --ct-next to customize)
===============================================================================

Flow: recirc_id=0x5,ct_state=new|trk,ct_zone=19279,eth,udp,reg0=0xb,tun_src=10.91.0.1,tun_dst=10.91.0.2,tun_ipv6_src=::,tun_ipv6_dst=::,tun_gbp_id=0,tun_gbp_flags=0,tun_tos=0,tun_ttl=0,tun_erspan_ver=0,gtpu_flags=0,gtpu_msgtype=0,tun_flags=0,in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.2.2,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=53

bridge("br0")
-------------
    thaw
        Resuming from table 30
30. ip,nw_dst=10.128.2.0/23, priority 200, cookie 0x1bf0d244a4cb62c
    goto_table:70
70. ip,reg0=0xb,nw_dst=10.128.2.2, priority 100, cookie 0x3ddd3389c0e74aa
    set_field:0a:58:0a:80:02:02->eth_dst
    set_field:0x3->reg2
    goto_table:80
80. priority 0, cookie 0x1bf0d244a4cb62c
    goto_table:110
110. ct_state=+new+trk,ip, priority 150, cookie 0x1bf0d244a4cb62c
    ct(commit,zone=19279)
    drop
     -> Sets the packet to an untracked state, and clears all the conntrack fields.
    output:NXM_NX_REG2[]
     -> output port is 3

Final flow: recirc_id=0x5,eth,udp,reg0=0xb,reg2=0x3,tun_src=10.91.0.1,tun_dst=10.91.0.2,tun_ipv6_src=::,tun_ipv6_dst=::,tun_gbp_id=0,tun_gbp_flags=0,tun_tos=0,tun_ttl=0,tun_erspan_ver=0,gtpu_flags=0,gtpu_msgtype=0,tun_flags=0,in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=0a:58:0a:80:02:02,nw_src=10.128.0.2,nw_dst=10.128.2.2,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=53
Megaflow: recirc_id=0x5,ct_state=+new-est-rel-rpl+trk,ct_mark=0/0x1,eth,ip,tun_id=0xb,tun_src=10.91.0.1,tun_dst=10.91.0.2,tun_tos=0,tun_flags=-df-csum-key,in_port=1,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.0/23,nw_dst=10.128.2.2,nw_frag=no
Datapath actions: set(eth(dst=0a:58:0a:80:02:02)),ct(commit,zone=19279),6`,
};

export const tunnelSourceForged: RecordedTrace = {
  setting: 'n2: VXLAN from n1 whose inner source 10.128.2.9 is in n2\'s own subnet, not n1\'s',
  output: `Flow: ip,tun_src=10.91.0.1,tun_dst=10.91.0.2,tun_ipv6_src=::,tun_ipv6_dst=::,tun_gbp_id=0,tun_gbp_flags=0,tun_tos=0,tun_ttl=0,tun_erspan_ver=0,gtpu_flags=0,gtpu_msgtype=0,tun_flags=0,in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.128.2.9,nw_dst=10.128.2.2,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

bridge("br0")
-------------
 0. in_port=1, priority 200, cookie 0x1bf0d244a4cb62c
    goto_table:10
10. priority 0, cookie 0x1bf0d244a4cb62c
    drop

Final flow: unchanged
Megaflow: recirc_id=0,eth,ip,tun_id=0xb,tun_src=10.91.0.1,tun_dst=10.91.0.2,tun_tos=0,tun_flags=-df-csum-key,in_port=1,nw_src=10.128.2.0/23,nw_frag=no
Datapath actions: drop`,
};

export const spoofed: RecordedTrace = {
  setting: 'n1: port 3 (red/red-a) sends with source 10.1.1.1',
  output: `Flow: ip,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.1.1.1,nw_dst=10.128.0.4,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

bridge("br0")
-------------
 0. priority 50, cookie 0x1bf0d244a4cb62c
    goto_table:20
20. priority 0, cookie 0x1bf0d244a4cb62c
    drop

Final flow: unchanged
Megaflow: recirc_id=0,eth,ip,in_port=3,dl_src=0a:58:0a:80:00:02,nw_src=10.0.0.0/9,nw_frag=no
Datapath actions: drop`,
};

export const vlanTagged: RecordedTrace = {
  setting: 'n1: port 3 (red/red-a) sends its own MAC and IP with an 802.1Q tag (VLAN 7)',
  output: `Flow: ip,in_port=3,dl_vlan=7,dl_vlan_pcp=0,vlan_tci1=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.0.4,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

bridge("br0")
-------------
 0. priority 50, cookie 0x1bf0d244a4cb62c
    goto_table:20
20. priority 0, cookie 0x1bf0d244a4cb62c
    drop

Final flow: unchanged
Megaflow: recirc_id=0,eth,ip,in_port=3,dl_vlan=7,dl_src=0a:58:0a:80:00:02,nw_frag=no
Datapath actions: drop`,
};

export const external: RecordedTrace = {
  setting: 'n1: red/red-a to the hub 10.91.0.254, outside the cluster network',
  output: `Flow: ip,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.91.0.254,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

bridge("br0")
-------------
 0. priority 50, cookie 0x1bf0d244a4cb62c
    goto_table:20
20. ip,in_port=3,vlan_tci=0x0000/0x1fff,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2, priority 100, cookie 0x341235834e7eb98
    ct(table=22,zone=19279)
    drop
     -> A clone of the packet is forked to recirculate. The forked pipeline will be resumed at table 22.
     -> Sets the packet to an untracked state, and clears all the conntrack fields.

Final flow: unchanged
Megaflow: recirc_id=0,eth,ip,in_port=3,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2,nw_frag=no
Datapath actions: ct(zone=19279),recirc(0x2)

===============================================================================
recirc(0x2) - resume conntrack with default ct_state=trk|new (use --ct-next to customize)
===============================================================================

Flow: recirc_id=0x2,ct_state=new|trk,ct_zone=19279,eth,ip,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.91.0.254,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

bridge("br0")
-------------
    thaw
        Resuming from table 22
22. ip,in_port=3,nw_src=10.128.0.2, priority 100, cookie 0x341235834e7eb98
    set_field:0xb->reg0
    goto_table:25
25. priority 0, cookie 0x1bf0d244a4cb62c
    goto_table:27
27. priority 0, cookie 0x1bf0d244a4cb62c
    goto_table:30
30. ip, priority 50, cookie 0x1bf0d244a4cb62c
    goto_table:100
100. priority 0, cookie 0x1bf0d244a4cb62c
    set_field:0x2->reg2
    goto_table:110
110. ct_state=+new+trk,ip, priority 150, cookie 0x1bf0d244a4cb62c
    ct(commit,zone=19279)
    drop
     -> Sets the packet to an untracked state, and clears all the conntrack fields.
    output:NXM_NX_REG2[]
     -> output port is 2

Final flow: recirc_id=0x2,eth,ip,reg0=0xb,reg2=0x2,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.91.0.254,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no
Megaflow: recirc_id=0x2,ct_state=+new-est-rel-rpl+trk,ct_mark=0/0x1,eth,ip,in_port=3,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.91.0.254,nw_proto=0,nw_frag=no
Datapath actions: ct(commit,zone=19279),5`,
};

export const serviceDropped: RecordedTrace = {
  setting: 'n1: red/red-a (VNID 11) tcp to 172.30.0.10:80, no service flow',
  output: `Flow: tcp,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=172.30.0.10,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=80,tcp_flags=0

bridge("br0")
-------------
 0. priority 50, cookie 0x1bf0d244a4cb62c
    goto_table:20
20. ip,in_port=3,vlan_tci=0x0000/0x1fff,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2, priority 100, cookie 0x341235834e7eb98
    ct(table=22,zone=19279)
    drop
     -> A clone of the packet is forked to recirculate. The forked pipeline will be resumed at table 22.
     -> Sets the packet to an untracked state, and clears all the conntrack fields.

Final flow: unchanged
Megaflow: recirc_id=0,eth,ip,in_port=3,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2,nw_frag=no
Datapath actions: ct(zone=19279),recirc(0x2)

===============================================================================
recirc(0x2) - resume conntrack with default ct_state=trk|new (use --ct-next to customize)
===============================================================================

Flow: recirc_id=0x2,ct_state=new|trk,ct_zone=19279,eth,tcp,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=172.30.0.10,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=80,tcp_flags=0

bridge("br0")
-------------
    thaw
        Resuming from table 22
22. ip,in_port=3,nw_src=10.128.0.2, priority 100, cookie 0x341235834e7eb98
    set_field:0xb->reg0
    goto_table:25
25. priority 0, cookie 0x1bf0d244a4cb62c
    goto_table:27
27. ip,nw_dst=172.30.0.0/16, priority 280, cookie 0x1bf0d244a4cb62c
    goto_table:30
30. ip,nw_dst=172.30.0.0/16, priority 100, cookie 0x1bf0d244a4cb62c
    goto_table:60
60. priority 0, cookie 0x1bf0d244a4cb62c
    drop

Final flow: recirc_id=0x2,ct_state=new|trk,ct_zone=19279,eth,tcp,reg0=0xb,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=172.30.0.10,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=80,tcp_flags=0
Megaflow: recirc_id=0x2,ct_state=-est-rel+trk,eth,tcp,in_port=3,nw_src=10.128.0.2,nw_dst=172.30.0.10,nw_frag=no
Datapath actions: drop`,
};

export const serviceOpen: RecordedTrace = {
  setting: 'n1: red/red-a (VNID 11) tcp to red/web at 172.30.0.11:80',
  output: `Flow: tcp,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=172.30.0.11,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=80,tcp_flags=0

bridge("br0")
-------------
 0. priority 50, cookie 0x1bf0d244a4cb62c
    goto_table:20
20. ip,in_port=3,vlan_tci=0x0000/0x1fff,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2, priority 100, cookie 0x341235834e7eb98
    ct(table=22,zone=19279)
    drop
     -> A clone of the packet is forked to recirculate. The forked pipeline will be resumed at table 22.
     -> Sets the packet to an untracked state, and clears all the conntrack fields.

Final flow: unchanged
Megaflow: recirc_id=0,eth,ip,in_port=3,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2,nw_frag=no
Datapath actions: ct(zone=19279),recirc(0x2)

===============================================================================
recirc(0x2) - resume conntrack with default ct_state=trk|new (use --ct-next to customize)
===============================================================================

Flow: recirc_id=0x2,ct_state=new|trk,ct_zone=19279,eth,tcp,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=172.30.0.11,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=80,tcp_flags=0

bridge("br0")
-------------
    thaw
        Resuming from table 22
22. ip,in_port=3,nw_src=10.128.0.2, priority 100, cookie 0x341235834e7eb98
    set_field:0xb->reg0
    goto_table:25
25. priority 0, cookie 0x1bf0d244a4cb62c
    goto_table:27
27. ip,nw_dst=172.30.0.0/16, priority 280, cookie 0x1bf0d244a4cb62c
    goto_table:30
30. ip,nw_dst=172.30.0.0/16, priority 100, cookie 0x1bf0d244a4cb62c
    goto_table:60
60. tcp,reg0=0xb,nw_dst=172.30.0.11,tp_dst=80, priority 100
    set_field:0x2->reg2
    goto_table:110
110. ct_state=+new+trk,ip, priority 150, cookie 0x1bf0d244a4cb62c
    ct(commit,zone=19279)
    drop
     -> Sets the packet to an untracked state, and clears all the conntrack fields.
    output:NXM_NX_REG2[]
     -> output port is 2

Final flow: recirc_id=0x2,eth,tcp,reg0=0xb,reg2=0x2,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=172.30.0.11,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=80,tcp_flags=0
Megaflow: recirc_id=0x2,ct_state=+new-est-rel-rpl+trk,ct_mark=0/0x1,eth,tcp,in_port=3,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=172.30.0.11,nw_frag=no,tp_dst=80
Datapath actions: ct(commit,zone=19279),5`,
};

export const gateway: RecordedTrace = {
  setting: 'n1: red/red-a to its gateway 10.128.0.1',
  output: `Flow: ip,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.0.1,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

bridge("br0")
-------------
 0. priority 50, cookie 0x1bf0d244a4cb62c
    goto_table:20
20. ip,in_port=3,vlan_tci=0x0000/0x1fff,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2, priority 100, cookie 0x341235834e7eb98
    ct(table=22,zone=19279)
    drop
     -> A clone of the packet is forked to recirculate. The forked pipeline will be resumed at table 22.
     -> Sets the packet to an untracked state, and clears all the conntrack fields.

Final flow: unchanged
Megaflow: recirc_id=0,eth,ip,in_port=3,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2,nw_frag=no
Datapath actions: ct(zone=19279),recirc(0x2)

===============================================================================
recirc(0x2) - resume conntrack with default ct_state=trk|new (use --ct-next to customize)
===============================================================================

Flow: recirc_id=0x2,ct_state=new|trk,ct_zone=19279,eth,ip,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.0.1,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

bridge("br0")
-------------
    thaw
        Resuming from table 22
22. ip,in_port=3,nw_src=10.128.0.2, priority 100, cookie 0x341235834e7eb98
    set_field:0xb->reg0
    goto_table:25
25. priority 0, cookie 0x1bf0d244a4cb62c
    goto_table:27
27. ip,nw_dst=10.128.0.1, priority 280, cookie 0x1bf0d244a4cb62c
    goto_table:30
30. ip,nw_dst=10.128.0.1, priority 300, cookie 0x1bf0d244a4cb62c
    goto_table:100
100. priority 0, cookie 0x1bf0d244a4cb62c
    set_field:0x2->reg2
    goto_table:110
110. ct_state=+new+trk,ip, priority 150, cookie 0x1bf0d244a4cb62c
    ct(commit,zone=19279)
    drop
     -> Sets the packet to an untracked state, and clears all the conntrack fields.
    output:NXM_NX_REG2[]
     -> output port is 2

Final flow: recirc_id=0x2,eth,ip,reg0=0xb,reg2=0x2,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.0.1,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no
Megaflow: recirc_id=0x2,ct_state=+new-est-rel-rpl+trk,ct_mark=0/0x1,eth,ip,in_port=3,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.0.1,nw_proto=0,nw_frag=no
Datapath actions: ct(commit,zone=19279),5`,
};

export const fromHost: RecordedTrace = {
  setting: 'n1: the host (tun0, from the gateway 10.128.0.1) to blue/blue-a (10.128.0.3, port 4)',
  output: `Flow: ip,in_port=2,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.1,nw_dst=10.128.0.3,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

bridge("br0")
-------------
 0. in_port=2, priority 200, cookie 0x1bf0d244a4cb62c
    goto_table:15
15. ip,nw_src=10.128.0.1, priority 300, cookie 0x1bf0d244a4cb62c
    set_field:0->reg0
    ct(table=30,zone=19279)
    drop
     -> A clone of the packet is forked to recirculate. The forked pipeline will be resumed at table 30.
     -> Sets the packet to an untracked state, and clears all the conntrack fields.

Final flow: unchanged
Megaflow: recirc_id=0,eth,ip,in_port=2,nw_src=10.128.0.1,nw_frag=no
Datapath actions: ct(zone=19279),recirc(0x4)

===============================================================================
recirc(0x4) - resume conntrack with default ct_state=trk|new (use --ct-next to customize)
===============================================================================

Flow: recirc_id=0x4,ct_state=new|trk,ct_zone=19279,eth,ip,in_port=2,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.1,nw_dst=10.128.0.3,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

bridge("br0")
-------------
    thaw
        Resuming from table 30
30. ip,nw_dst=10.128.0.0/23, priority 200, cookie 0x1bf0d244a4cb62c
    goto_table:70
70. ip,reg0=0,nw_dst=10.128.0.3, priority 100, cookie 0x37ce51e8f72f7ff
    set_field:0a:58:0a:80:00:03->eth_dst
    set_field:0x4->reg2
    goto_table:80
80. ip,nw_src=10.128.0.1, priority 280, cookie 0x1bf0d244a4cb62c
    goto_table:110
110. ct_state=+new+trk,ip, priority 150, cookie 0x1bf0d244a4cb62c
    ct(commit,zone=19279)
    drop
     -> Sets the packet to an untracked state, and clears all the conntrack fields.
    output:NXM_NX_REG2[]
     -> output port is 4

Final flow: recirc_id=0x4,eth,ip,reg2=0x4,in_port=2,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=0a:58:0a:80:00:03,nw_src=10.128.0.1,nw_dst=10.128.0.3,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no
Megaflow: recirc_id=0x4,ct_state=+new-est-rel-rpl+trk,ct_mark=0/0x1,eth,ip,in_port=2,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.1,nw_dst=10.128.0.3,nw_frag=no
Datapath actions: set(eth(dst=0a:58:0a:80:00:03)),ct(commit,zone=19279),7`,
};

export const relayedForeign: RecordedTrace = {
  setting: 'n1: the host relays red/red-a\'s packet (kube-proxy DNAT) to blue/blue-a:8080',
  output: `Flow: tcp,in_port=2,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.0.3,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=8080,tcp_flags=0

bridge("br0")
-------------
 0. in_port=2, priority 200, cookie 0x1bf0d244a4cb62c
    goto_table:15
15. ip,nw_src=10.128.0.2, priority 200, cookie 0x341235834e7eb98
    ct(table=22,zone=19279)
    drop
     -> A clone of the packet is forked to recirculate. The forked pipeline will be resumed at table 22.
     -> Sets the packet to an untracked state, and clears all the conntrack fields.

Final flow: unchanged
Megaflow: recirc_id=0,eth,ip,in_port=2,nw_src=10.128.0.2,nw_frag=no
Datapath actions: ct(zone=19279),recirc(0x5)

===============================================================================
recirc(0x5) - resume conntrack with default ct_state=trk|new (use --ct-next to customize)
===============================================================================

Flow: recirc_id=0x5,ct_state=new|trk,ct_zone=19279,eth,tcp,in_port=2,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.0.3,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=8080,tcp_flags=0

bridge("br0")
-------------
    thaw
        Resuming from table 22
22. ip,in_port=2,nw_src=10.128.0.2, priority 100, cookie 0x341235834e7eb98
    set_field:0xb->reg0
    set_field:0x1->reg1
    goto_table:25
25. priority 0, cookie 0x1bf0d244a4cb62c
    goto_table:27
27. priority 0, cookie 0x1bf0d244a4cb62c
    goto_table:30
30. ip,nw_dst=10.128.0.0/23, priority 200, cookie 0x1bf0d244a4cb62c
    goto_table:70
70. priority 0, cookie 0x1bf0d244a4cb62c
    drop

Final flow: recirc_id=0x5,ct_state=new|trk,ct_zone=19279,eth,tcp,reg0=0xb,reg1=0x1,in_port=2,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.0.3,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=8080,tcp_flags=0
Megaflow: recirc_id=0x5,ct_state=-est-rel+trk,eth,tcp,in_port=2,nw_src=10.128.0.2,nw_dst=10.128.0.3,nw_frag=no
Datapath actions: drop`,
};

export const relayedRemote: RecordedTrace = {
  setting: 'n1: the host relays red/red-a\'s packet (kube-proxy DNAT) to red/red-b:8080 on n2',
  output: `Flow: tcp,in_port=2,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.2.2,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=8080,tcp_flags=0

bridge("br0")
-------------
 0. in_port=2, priority 200, cookie 0x1bf0d244a4cb62c
    goto_table:15
15. ip,nw_src=10.128.0.2, priority 200, cookie 0x341235834e7eb98
    ct(table=22,zone=19279)
    drop
     -> A clone of the packet is forked to recirculate. The forked pipeline will be resumed at table 22.
     -> Sets the packet to an untracked state, and clears all the conntrack fields.

Final flow: unchanged
Megaflow: recirc_id=0,eth,ip,in_port=2,nw_src=10.128.0.2,nw_frag=no
Datapath actions: ct(zone=19279),recirc(0x6)

===============================================================================
recirc(0x6) - resume conntrack with default ct_state=trk|new (use --ct-next to customize)
===============================================================================

Flow: recirc_id=0x6,ct_state=new|trk,ct_zone=19279,eth,tcp,in_port=2,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.2.2,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=8080,tcp_flags=0

bridge("br0")
-------------
    thaw
        Resuming from table 22
22. ip,in_port=2,nw_src=10.128.0.2, priority 100, cookie 0x341235834e7eb98
    set_field:0xb->reg0
    set_field:0x1->reg1
    goto_table:25
25. priority 0, cookie 0x1bf0d244a4cb62c
    goto_table:27
27. priority 0, cookie 0x1bf0d244a4cb62c
    goto_table:30
30. ip,nw_dst=10.128.0.0/14, priority 100, cookie 0x1bf0d244a4cb62c
    goto_table:90
90. ip,nw_dst=10.128.2.0/23, priority 100, cookie 0x236e7ab0a8b29bd
    move:NXM_NX_REG0[]->NXM_NX_TUN_ID[0..31]
     -> NXM_NX_TUN_ID[0..31] is now 0xb
    set_field:10.91.0.2->tun_dst
    set_field:0x1->reg2
    goto_table:110
110. ip,reg1=0x1, priority 300, cookie 0x1bf0d244a4cb62c
    ct(commit,zone=19279,exec(load:0x1->NXM_NX_CT_MARK[0]))
    load:0x1->NXM_NX_CT_MARK[0]
     -> Sets the packet to an untracked state, and clears all the conntrack fields.
    output:NXM_NX_REG2[]
     -> output port is 1
     -> output to native tunnel
     -> tunneling to 10.91.0.2 via br-phy
     -> tunneling from e6:e3:78:49:76:4e 10.91.0.1 to 0e:90:1a:70:a7:49 10.91.0.2

bridge("br-phy")
----------------
 0. priority 0
    NORMAL
     -> forwarding to learned port

Final flow: recirc_id=0x6,eth,tcp,reg0=0xb,reg1=0x1,reg2=0x1,tun_src=0.0.0.0,tun_dst=10.91.0.2,tun_ipv6_src=::,tun_ipv6_dst=::,tun_gbp_id=0,tun_gbp_flags=0,tun_tos=0,tun_ttl=0,tun_erspan_ver=0,gtpu_flags=0,gtpu_msgtype=0,tun_flags=0,in_port=2,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.2.2,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=8080,tcp_flags=0
Megaflow: recirc_id=0x6,ct_state=-est-rel+trk,eth,tcp,in_port=2,nw_src=10.128.0.2,nw_dst=10.128.2.0/23,nw_ecn=0,nw_frag=no
Datapath actions: ct(commit,zone=19279,mark=0x1/0x1),tnl_push(tnl_port(4),header(size=50,type=4,eth(dst=0e:90:1a:70:a7:49,src=e6:e3:78:49:76:4e,dl_type=0x0800),ipv4(src=10.91.0.1,dst=10.91.0.2,proto=17,tos=0,ttl=64,frag=0x4000),udp(src=0,dst=4789,csum=0x0),vxlan(flags=0x8000000,vni=0xb)),out_port(2)),1`,
};

export const hostUnknownSource: RecordedTrace = {
  setting: 'n1: the host sends from 10.128.0.99, a cluster address of no pod on n1, to blue/blue-a',
  output: `Flow: ip,in_port=2,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.99,nw_dst=10.128.0.3,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

bridge("br0")
-------------
 0. in_port=2, priority 200, cookie 0x1bf0d244a4cb62c
    goto_table:15
15. ip,nw_src=10.128.0.0/14, priority 150, cookie 0x1bf0d244a4cb62c
    drop

Final flow: unchanged
Megaflow: recirc_id=0,eth,ip,in_port=2,nw_src=10.128.0.64/26,nw_frag=no
Datapath actions: drop`,
};

export const vxlanForged: RecordedTrace = {
  setting: 'n1: red/red-a sends UDP to n2\'s VXLAN port 10.91.0.2:4789 (a forged tunnel packet)',
  output: `Flow: udp,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.91.0.2,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=4789

bridge("br0")
-------------
 0. priority 50, cookie 0x1bf0d244a4cb62c
    goto_table:20
20. ip,in_port=3,vlan_tci=0x0000/0x1fff,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2, priority 100, cookie 0x341235834e7eb98
    ct(table=22,zone=19279)
    drop
     -> A clone of the packet is forked to recirculate. The forked pipeline will be resumed at table 22.
     -> Sets the packet to an untracked state, and clears all the conntrack fields.

Final flow: unchanged
Megaflow: recirc_id=0,eth,ip,in_port=3,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2,nw_frag=no
Datapath actions: ct(zone=19279),recirc(0x2)

===============================================================================
recirc(0x2) - resume conntrack with default ct_state=trk|new (use --ct-next to customize)
===============================================================================

Flow: recirc_id=0x2,ct_state=new|trk,ct_zone=19279,eth,udp,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.91.0.2,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=4789

bridge("br0")
-------------
    thaw
        Resuming from table 22
22. ip,in_port=3,nw_src=10.128.0.2, priority 100, cookie 0x341235834e7eb98
    set_field:0xb->reg0
    goto_table:25
25. udp,tp_dst=4789, priority 300, cookie 0x1bf0d244a4cb62c
    drop

Final flow: recirc_id=0x2,ct_state=new|trk,ct_zone=19279,eth,udp,reg0=0xb,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.91.0.2,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=4789
Megaflow: recirc_id=0x2,eth,udp,in_port=3,nw_src=10.128.0.2,nw_frag=no,tp_dst=4789
Datapath actions: drop`,
};

export const etcdClosed: RecordedTrace = {
  setting: 'n1: red/red-a opens etcd at 10.91.0.254:2379',
  output: `Flow: tcp,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.91.0.254,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=2379,tcp_flags=0

bridge("br0")
-------------
 0. priority 50, cookie 0x1bf0d244a4cb62c
    goto_table:20
20. ip,in_port=3,vlan_tci=0x0000/0x1fff,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2, priority 100, cookie 0x341235834e7eb98
    ct(table=22,zone=19279)
    drop
     -> A clone of the packet is forked to recirculate. The forked pipeline will be resumed at table 22.
     -> Sets the packet to an untracked state, and clears all the conntrack fields.

Final flow: unchanged
Megaflow: recirc_id=0,eth,ip,in_port=3,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2,nw_frag=no
Datapath actions: ct(zone=19279),recirc(0x2)

===============================================================================
recirc(0x2) - resume conntrack with default ct_state=trk|new (use --ct-next to customize)
===============================================================================

Flow: recirc_id=0x2,ct_state=new|trk,ct_zone=19279,eth,tcp,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.91.0.254,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=2379,tcp_flags=0

bridge("br0")
-------------
    thaw
        Resuming from table 22
22. ip,in_port=3,nw_src=10.128.0.2, priority 100, cookie 0x341235834e7eb98
    set_field:0xb->reg0
    goto_table:25
25. tcp,nw_dst=10.91.0.254,tp_dst=2379, priority 100, cookie 0x582666514c07508
    drop

Final flow: recirc_id=0x2,ct_state=new|trk,ct_zone=19279,eth,tcp,reg0=0xb,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.91.0.254,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=2379,tcp_flags=0
Megaflow: recirc_id=0x2,eth,tcp,in_port=3,nw_src=10.128.0.2,nw_dst=10.91.0.254,nw_frag=no,tp_dst=2379
Datapath actions: drop`,
};

export const arpOtherTenant: RecordedTrace = {
  setting: 'n1: red/red-a asks ARP for blue/blue-a (10.128.0.3, another tenant)',
  output: `Flow: arp,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,arp_spa=10.128.0.2,arp_tpa=10.128.0.3,arp_op=1,arp_sha=0a:58:0a:80:00:02,arp_tha=00:00:00:00:00:00

bridge("br0")
-------------
 0. priority 50, cookie 0x1bf0d244a4cb62c
    goto_table:20
20. arp,in_port=3,vlan_tci=0x0000/0x1fff,dl_src=0a:58:0a:80:00:02,arp_spa=10.128.0.2,arp_sha=0a:58:0a:80:00:02, priority 100, cookie 0x341235834e7eb98
    set_field:0xb->reg0
    goto_table:30
30. arp,arp_tpa=10.128.0.0/23, priority 200, cookie 0x1bf0d244a4cb62c
    goto_table:40
40. priority 0, cookie 0x1bf0d244a4cb62c
    drop

Final flow: arp,reg0=0xb,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,arp_spa=10.128.0.2,arp_tpa=10.128.0.3,arp_op=1,arp_sha=0a:58:0a:80:00:02,arp_tha=00:00:00:00:00:00
Megaflow: recirc_id=0,eth,arp,in_port=3,dl_src=0a:58:0a:80:00:02,arp_spa=10.128.0.2,arp_tpa=10.128.0.3,arp_sha=0a:58:0a:80:00:02
Datapath actions: drop`,
};

export const unknownTunnelPeer: RecordedTrace = {
  setting: 'n2: VXLAN from 10.91.0.77, not a node',
  output: `Flow: ip,tun_src=10.91.0.77,tun_dst=10.91.0.2,tun_ipv6_src=::,tun_ipv6_dst=::,tun_gbp_id=0,tun_gbp_flags=0,tun_tos=0,tun_ttl=0,tun_erspan_ver=0,gtpu_flags=0,gtpu_msgtype=0,tun_flags=0,in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.2.2,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

bridge("br0")
-------------
 0. in_port=1, priority 200, cookie 0x1bf0d244a4cb62c
    goto_table:10
10. priority 0, cookie 0x1bf0d244a4cb62c
    drop

Final flow: unchanged
Megaflow: recirc_id=0,eth,ip,tun_id=0xb,tun_src=10.91.0.77,tun_dst=10.91.0.2,tun_tos=0,tun_flags=-df-csum-key,in_port=1,nw_frag=no
Datapath actions: drop`,
};

export const relayRefused: RecordedTrace = {
  setting: 'n2: VXLAN from n1 for 8.8.8.8',
  output: `Flow: ip,tun_src=10.91.0.1,tun_dst=10.91.0.2,tun_ipv6_src=::,tun_ipv6_dst=::,tun_gbp_id=0,tun_gbp_flags=0,tun_tos=0,tun_ttl=0,tun_erspan_ver=0,gtpu_flags=0,gtpu_msgtype=0,tun_flags=0,in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=8.8.8.8,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

bridge("br0")
-------------
 0. in_port=1, priority 200, cookie 0x1bf0d244a4cb62c
    goto_table:10
10. ip,tun_src=10.91.0.1,nw_src=10.128.0.0/23, priority 100, cookie 0x2d3da798113c01f
    move:NXM_NX_TUN_ID[0..31]->NXM_NX_REG0[]
     -> NXM_NX_REG0[] is now 0xb
    ct(table=30,zone=19279)
    drop
     -> A clone of the packet is forked to recirculate. The forked pipeline will be resumed at table 30.
     -> Sets the packet to an untracked state, and clears all the conntrack fields.

Final flow: ip,reg0=0xb,tun_src=10.91.0.1,tun_dst=10.91.0.2,tun_ipv6_src=::,tun_ipv6_dst=::,tun_gbp_id=0,tun_gbp_flags=0,tun_tos=0,tun_ttl=0,tun_erspan_ver=0,gtpu_flags=0,gtpu_msgtype=0,tun_flags=0,in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=8.8.8.8,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no
Megaflow: recirc_id=0,eth,ip,tun_id=0xb,tun_src=10.91.0.1,tun_dst=10.91.0.2,tun_tos=0,tun_flags=-df-csum-key,in_port=1,nw_src=10.128.0.0/23,nw_frag=no
Datapath actions: ct(zone=19279),recirc(0x6)

===============================================================================
recirc(0x6) - resume conntrack with default ct_state=trk|new (use --ct-next to customize)
===============================================================================

Flow: recirc_id=0x6,ct_state=new|trk,ct_zone=19279,eth,ip,reg0=0xb,tun_src=10.91.0.1,tun_dst=10.91.0.2,tun_ipv6_src=::,tun_ipv6_dst=::,tun_gbp_id=0,tun_gbp_flags=0,tun_tos=0,tun_ttl=0,tun_erspan_ver=0,gtpu_flags=0,gtpu_msgtype=0,tun_flags=0,in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=8.8.8.8,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

bridge("br0")
-------------
    thaw
        Resuming from table 30
30. in_port=1, priority 150, cookie 0x1bf0d244a4cb62c
    drop

Final flow: unchanged
Megaflow: recirc_id=0x6,eth,ip,tun_id=0xb,tun_src=10.91.0.1,tun_dst=10.91.0.2,tun_tos=0,tun_flags=-df-csum-key,in_port=1,nw_dst=8.0.0.0/7,nw_frag=no
Datapath actions: drop`,
};

export const noNodeSubnet: RecordedTrace = {
  setting: 'n1: red/red-a to 10.130.0.5, in the cluster network but no node has it',
  output: `Flow: ip,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.130.0.5,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

bridge("br0")
-------------
 0. priority 50, cookie 0x1bf0d244a4cb62c
    goto_table:20
20. ip,in_port=3,vlan_tci=0x0000/0x1fff,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2, priority 100, cookie 0x341235834e7eb98
    ct(table=22,zone=19279)
    drop
     -> A clone of the packet is forked to recirculate. The forked pipeline will be resumed at table 22.
     -> Sets the packet to an untracked state, and clears all the conntrack fields.

Final flow: unchanged
Megaflow: recirc_id=0,eth,ip,in_port=3,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2,nw_frag=no
Datapath actions: ct(zone=19279),recirc(0x2)

===============================================================================
recirc(0x2) - resume conntrack with default ct_state=trk|new (use --ct-next to customize)
===============================================================================

Flow: recirc_id=0x2,ct_state=new|trk,ct_zone=19279,eth,ip,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.130.0.5,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

bridge("br0")
-------------
    thaw
        Resuming from table 22
22. ip,in_port=3,nw_src=10.128.0.2, priority 100, cookie 0x341235834e7eb98
    set_field:0xb->reg0
    goto_table:25
25. priority 0, cookie 0x1bf0d244a4cb62c
    goto_table:27
27. priority 0, cookie 0x1bf0d244a4cb62c
    goto_table:30
30. ip,nw_dst=10.128.0.0/14, priority 100, cookie 0x1bf0d244a4cb62c
    goto_table:90
90. priority 0, cookie 0x1bf0d244a4cb62c
    drop

Final flow: recirc_id=0x2,ct_state=new|trk,ct_zone=19279,eth,ip,reg0=0xb,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.130.0.5,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no
Megaflow: recirc_id=0x2,ct_state=-est-rel+trk,eth,ip,in_port=3,nw_src=10.128.0.2,nw_dst=10.130.0.0/15,nw_proto=0,nw_frag=no
Datapath actions: drop`,
};

export const policyAllowed: RecordedTrace = {
  setting: 'n1: red/red-b (on n2, over VXLAN) to red/red-c:8080, which red/web admits (ingress rule 0)',
  output: `Flow: tcp,tun_src=10.91.0.2,tun_dst=10.91.0.1,tun_ipv6_src=::,tun_ipv6_dst=::,tun_gbp_id=0,tun_gbp_flags=0,tun_tos=0,tun_ttl=0,tun_erspan_ver=0,gtpu_flags=0,gtpu_msgtype=0,tun_flags=0,in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.128.2.2,nw_dst=10.128.0.4,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=8080,tcp_flags=0

bridge("br0")
-------------
 0. in_port=1, priority 200, cookie 0x1bf0d244a4cb62c
    goto_table:10
10. ip,tun_src=10.91.0.2,nw_src=10.128.2.0/23, priority 100, cookie 0x236e7ab0a8b29bd
    move:NXM_NX_TUN_ID[0..31]->NXM_NX_REG0[]
     -> NXM_NX_REG0[] is now 0xb
    ct(table=30,zone=19279)
    drop
     -> A clone of the packet is forked to recirculate. The forked pipeline will be resumed at table 30.
     -> Sets the packet to an untracked state, and clears all the conntrack fields.

Final flow: tcp,reg0=0xb,tun_src=10.91.0.2,tun_dst=10.91.0.1,tun_ipv6_src=::,tun_ipv6_dst=::,tun_gbp_id=0,tun_gbp_flags=0,tun_tos=0,tun_ttl=0,tun_erspan_ver=0,gtpu_flags=0,gtpu_msgtype=0,tun_flags=0,in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.128.2.2,nw_dst=10.128.0.4,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=8080,tcp_flags=0
Megaflow: recirc_id=0,eth,ip,tun_id=0xb,tun_src=10.91.0.2,tun_dst=10.91.0.1,tun_tos=0,tun_flags=-df-csum-key,in_port=1,nw_src=10.128.2.0/23,nw_frag=no
Datapath actions: ct(zone=19279),recirc(0x7)

===============================================================================
recirc(0x7) - resume conntrack with default ct_state=trk|new (use --ct-next to customize)
===============================================================================

Flow: recirc_id=0x7,ct_state=new|trk,ct_zone=19279,eth,tcp,reg0=0xb,tun_src=10.91.0.2,tun_dst=10.91.0.1,tun_ipv6_src=::,tun_ipv6_dst=::,tun_gbp_id=0,tun_gbp_flags=0,tun_tos=0,tun_ttl=0,tun_erspan_ver=0,gtpu_flags=0,gtpu_msgtype=0,tun_flags=0,in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.128.2.2,nw_dst=10.128.0.4,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=8080,tcp_flags=0

bridge("br0")
-------------
    thaw
        Resuming from table 30
30. ip,nw_dst=10.128.0.0/23, priority 200, cookie 0x1bf0d244a4cb62c
    goto_table:70
70. ip,reg0=0xb,nw_dst=10.128.0.4, priority 100, cookie 0x3efbc08d4f18741
    set_field:0a:58:0a:80:00:04->eth_dst
    set_field:0x5->reg2
    goto_table:80
80. conj_id=1,ip, priority 100, cookie 0x66944d530ee1b44
    note:6e.65.74.70.6f.6c.20.69.6e.67.72.65.73.73.20.72.65.64.2f.77.65.62.5b.30.5d.00.00.00.00.00
    goto_table:110
110. ct_state=+new+trk,ip, priority 150, cookie 0x1bf0d244a4cb62c
    ct(commit,zone=19279)
    drop
     -> Sets the packet to an untracked state, and clears all the conntrack fields.
    output:NXM_NX_REG2[]
     -> output port is 5

Final flow: recirc_id=0x7,eth,tcp,reg0=0xb,reg2=0x5,tun_src=10.91.0.2,tun_dst=10.91.0.1,tun_ipv6_src=::,tun_ipv6_dst=::,tun_gbp_id=0,tun_gbp_flags=0,tun_tos=0,tun_ttl=0,tun_erspan_ver=0,gtpu_flags=0,gtpu_msgtype=0,tun_flags=0,in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=0a:58:0a:80:00:04,nw_src=10.128.2.2,nw_dst=10.128.0.4,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=8080,tcp_flags=0
Megaflow: recirc_id=0x7,ct_state=+new-est-rel-rpl+trk,ct_mark=0/0x1,eth,tcp,tun_id=0xb,tun_src=10.91.0.2,tun_dst=10.91.0.1,tun_tos=0,tun_flags=-df-csum-key,in_port=1,dl_dst=00:00:00:00:00:00,nw_src=10.128.2.2,nw_dst=10.128.0.4,nw_frag=no,tp_dst=8080
Datapath actions: set(eth(dst=0a:58:0a:80:00:04)),ct(commit,zone=19279),8`,
};

export const policyIsolated: RecordedTrace = {
  setting: 'n1: red/red-b (on n2, over VXLAN) to red/red-c:9090: red/web isolates red-c for ingress and admits only 8080',
  output: `Flow: tcp,tun_src=10.91.0.2,tun_dst=10.91.0.1,tun_ipv6_src=::,tun_ipv6_dst=::,tun_gbp_id=0,tun_gbp_flags=0,tun_tos=0,tun_ttl=0,tun_erspan_ver=0,gtpu_flags=0,gtpu_msgtype=0,tun_flags=0,in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.128.2.2,nw_dst=10.128.0.4,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=9090,tcp_flags=0

bridge("br0")
-------------
 0. in_port=1, priority 200, cookie 0x1bf0d244a4cb62c
    goto_table:10
10. ip,tun_src=10.91.0.2,nw_src=10.128.2.0/23, priority 100, cookie 0x236e7ab0a8b29bd
    move:NXM_NX_TUN_ID[0..31]->NXM_NX_REG0[]
     -> NXM_NX_REG0[] is now 0xb
    ct(table=30,zone=19279)
    drop
     -> A clone of the packet is forked to recirculate. The forked pipeline will be resumed at table 30.
     -> Sets the packet to an untracked state, and clears all the conntrack fields.

Final flow: tcp,reg0=0xb,tun_src=10.91.0.2,tun_dst=10.91.0.1,tun_ipv6_src=::,tun_ipv6_dst=::,tun_gbp_id=0,tun_gbp_flags=0,tun_tos=0,tun_ttl=0,tun_erspan_ver=0,gtpu_flags=0,gtpu_msgtype=0,tun_flags=0,in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.128.2.2,nw_dst=10.128.0.4,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=9090,tcp_flags=0
Megaflow: recirc_id=0,eth,ip,tun_id=0xb,tun_src=10.91.0.2,tun_dst=10.91.0.1,tun_tos=0,tun_flags=-df-csum-key,in_port=1,nw_src=10.128.2.0/23,nw_frag=no
Datapath actions: ct(zone=19279),recirc(0x8)

===============================================================================
recirc(0x8) - resume conntrack with default ct_state=trk|new (use --ct-next to customize)
===============================================================================

Flow: recirc_id=0x8,ct_state=new|trk,ct_zone=19279,eth,tcp,reg0=0xb,tun_src=10.91.0.2,tun_dst=10.91.0.1,tun_ipv6_src=::,tun_ipv6_dst=::,tun_gbp_id=0,tun_gbp_flags=0,tun_tos=0,tun_ttl=0,tun_erspan_ver=0,gtpu_flags=0,gtpu_msgtype=0,tun_flags=0,in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.128.2.2,nw_dst=10.128.0.4,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=9090,tcp_flags=0

bridge("br0")
-------------
    thaw
        Resuming from table 30
30. ip,nw_dst=10.128.0.0/23, priority 200, cookie 0x1bf0d244a4cb62c
    goto_table:70
70. ip,reg0=0xb,nw_dst=10.128.0.4, priority 100, cookie 0x3efbc08d4f18741
    set_field:0a:58:0a:80:00:04->eth_dst
    set_field:0x5->reg2
    goto_table:80
80. ip,nw_dst=10.128.0.4, priority 50, cookie 0x66944d530ee1b44
    note:6e.65.74.70.6f.6c.20.69.6e.67.72.65.73.73.20.69.73.6f.6c.61.74.65.64.20.62.79.20.72.65.64.2f.77.65.62.00.00.00.00

Final flow: recirc_id=0x8,ct_state=new|trk,ct_zone=19279,eth,tcp,reg0=0xb,reg2=0x5,tun_src=10.91.0.2,tun_dst=10.91.0.1,tun_ipv6_src=::,tun_ipv6_dst=::,tun_gbp_id=0,tun_gbp_flags=0,tun_tos=0,tun_ttl=0,tun_erspan_ver=0,gtpu_flags=0,gtpu_msgtype=0,tun_flags=0,in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=0a:58:0a:80:00:04,nw_src=10.128.2.2,nw_dst=10.128.0.4,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=9090,tcp_flags=0
Megaflow: recirc_id=0x8,ct_state=-est-rel+trk,eth,tcp,tun_id=0xb,tun_src=10.91.0.2,tun_dst=10.91.0.1,tun_tos=0,tun_flags=-df-csum-key,in_port=1,dl_dst=00:00:00:00:00:00,nw_src=10.128.2.2,nw_dst=10.128.0.4,nw_frag=no,tp_dst=0x2000/0xe000
Datapath actions: drop`,
};

export const policyEgressAllowed: RecordedTrace = {
  setting: 'n1: red/red-a to the hub 10.91.0.254:443, which red/egress-a admits (egress rule 0)',
  output: `Flow: tcp,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.91.0.254,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=443,tcp_flags=0

bridge("br0")
-------------
 0. priority 50, cookie 0x1bf0d244a4cb62c
    goto_table:20
20. ip,in_port=3,vlan_tci=0x0000/0x1fff,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2, priority 100, cookie 0x341235834e7eb98
    ct(table=22,zone=19279)
    drop
     -> A clone of the packet is forked to recirculate. The forked pipeline will be resumed at table 22.
     -> Sets the packet to an untracked state, and clears all the conntrack fields.

Final flow: unchanged
Megaflow: recirc_id=0,eth,ip,in_port=3,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2,nw_frag=no
Datapath actions: ct(zone=19279),recirc(0x2)

===============================================================================
recirc(0x2) - resume conntrack with default ct_state=trk|new (use --ct-next to customize)
===============================================================================

Flow: recirc_id=0x2,ct_state=new|trk,ct_zone=19279,eth,tcp,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.91.0.254,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=443,tcp_flags=0

bridge("br0")
-------------
    thaw
        Resuming from table 22
22. ip,in_port=3,nw_src=10.128.0.2, priority 100, cookie 0x341235834e7eb98
    set_field:0xb->reg0
    goto_table:25
25. priority 0, cookie 0x1bf0d244a4cb62c
    goto_table:27
27. conj_id=2,ip, priority 100, cookie 0x66944d530ee1b44
    note:6e.65.74.70.6f.6c.20.65.67.72.65.73.73.20.72.65.64.2f.65.67.72.65.73.73.2d.61.5b.30.5d.00
    goto_table:30
30. ip, priority 50, cookie 0x1bf0d244a4cb62c
    goto_table:100
100. priority 0, cookie 0x1bf0d244a4cb62c
    set_field:0x2->reg2
    goto_table:110
110. ct_state=+new+trk,ip, priority 150, cookie 0x1bf0d244a4cb62c
    ct(commit,zone=19279)
    drop
     -> Sets the packet to an untracked state, and clears all the conntrack fields.
    output:NXM_NX_REG2[]
     -> output port is 2

Final flow: recirc_id=0x2,eth,tcp,reg0=0xb,reg2=0x2,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.91.0.254,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=443,tcp_flags=0
Megaflow: recirc_id=0x2,ct_state=+new-est-rel-rpl+trk,ct_mark=0/0x1,eth,tcp,in_port=3,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.91.0.254,nw_frag=no,tp_dst=443
Datapath actions: ct(commit,zone=19279),5`,
};

export const policyEgressIsolated: RecordedTrace = {
  setting: 'n1: red/red-a to the hub 10.91.0.254:80: red/egress-a isolates red-a for egress',
  output: `Flow: tcp,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.91.0.254,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=80,tcp_flags=0

bridge("br0")
-------------
 0. priority 50, cookie 0x1bf0d244a4cb62c
    goto_table:20
20. ip,in_port=3,vlan_tci=0x0000/0x1fff,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2, priority 100, cookie 0x341235834e7eb98
    ct(table=22,zone=19279)
    drop
     -> A clone of the packet is forked to recirculate. The forked pipeline will be resumed at table 22.
     -> Sets the packet to an untracked state, and clears all the conntrack fields.

Final flow: unchanged
Megaflow: recirc_id=0,eth,ip,in_port=3,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2,nw_frag=no
Datapath actions: ct(zone=19279),recirc(0x2)

===============================================================================
recirc(0x2) - resume conntrack with default ct_state=trk|new (use --ct-next to customize)
===============================================================================

Flow: recirc_id=0x2,ct_state=new|trk,ct_zone=19279,eth,tcp,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.91.0.254,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=80,tcp_flags=0

bridge("br0")
-------------
    thaw
        Resuming from table 22
22. ip,in_port=3,nw_src=10.128.0.2, priority 100, cookie 0x341235834e7eb98
    set_field:0xb->reg0
    goto_table:25
25. priority 0, cookie 0x1bf0d244a4cb62c
    goto_table:27
27. ip,nw_src=10.128.0.2, priority 50, cookie 0x66944d530ee1b44
    note:6e.65.74.70.6f.6c.20.65.67.72.65.73.73.20.69.73.6f.6c.61.74.65.64.20.62.79.20.72.65.64.2f.65.67.72.65.73.73.2d.61

Final flow: recirc_id=0x2,ct_state=new|trk,ct_zone=19279,eth,tcp,reg0=0xb,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.91.0.254,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=80,tcp_flags=0
Megaflow: recirc_id=0x2,ct_state=-est-rel+trk,eth,tcp,in_port=3,nw_src=10.128.0.2,nw_dst=10.91.0.254,nw_frag=no,tp_dst=0x0/0xff00
Datapath actions: drop`,
};

export const noMatch: RecordedTrace = {
  setting: 'n1: red/red-a to blue/blue-a after table 70 was emptied by hand (no catch-all)',
  output: `Flow: ip,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.0.3,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

bridge("br0")
-------------
 0. priority 50, cookie 0x1bf0d244a4cb62c
    goto_table:20
20. ip,in_port=3,vlan_tci=0x0000/0x1fff,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2, priority 100, cookie 0x341235834e7eb98
    ct(table=22,zone=19279)
    drop
     -> A clone of the packet is forked to recirculate. The forked pipeline will be resumed at table 22.
     -> Sets the packet to an untracked state, and clears all the conntrack fields.

Final flow: unchanged
Megaflow: recirc_id=0,eth,ip,in_port=3,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2,nw_frag=no
Datapath actions: ct(zone=19279),recirc(0x2)

===============================================================================
recirc(0x2) - resume conntrack with default ct_state=trk|new (use --ct-next to customize)
===============================================================================

Flow: recirc_id=0x2,ct_state=new|trk,ct_zone=19279,eth,ip,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.0.3,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

bridge("br0")
-------------
    thaw
        Resuming from table 22
22. ip,in_port=3,nw_src=10.128.0.2, priority 100, cookie 0x341235834e7eb98
    set_field:0xb->reg0
    goto_table:25
25. priority 0, cookie 0x1bf0d244a4cb62c
    goto_table:27
27. priority 0, cookie 0x1bf0d244a4cb62c
    goto_table:30
30. ip,nw_dst=10.128.0.0/23, priority 200, cookie 0x1bf0d244a4cb62c
    goto_table:70
70. No match.
    drop

Final flow: recirc_id=0x2,ct_state=new|trk,ct_zone=19279,eth,ip,reg0=0xb,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.0.3,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no
Megaflow: recirc_id=0x2,ct_state=-est-rel+trk,eth,ip,in_port=3,nw_src=10.128.0.2,nw_dst=10.128.0.2/31,nw_proto=0,nw_frag=no
Datapath actions: drop`,
};
