// ovs-appctl ofproto/trace output recorded on the sandbox cluster (OVS 3.1.0, userspace datapath) for the explainer tests.

export interface RecordedTrace {
  /** Where and what was traced. */
  readonly setting: string;
  readonly output: string;
}

export const localDelivered: RecordedTrace = {
  setting: 'n1: red/red-a (10.128.0.2, port 3) to red/red-c (10.128.0.4), same VNID 11',
  output: `Flow: ip,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.0.4,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

bridge("br0")
-------------
 0. priority 50, cookie 0x1bf0d244a4cb62c
    goto_table:20
20. ip,in_port=3,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2, priority 100, cookie 0x341235834e7eb98
    set_field:0xb->reg0
    goto_table:30
30. ip,nw_dst=10.128.0.0/23, priority 200, cookie 0x1bf0d244a4cb62c
    goto_table:70
70. ip,reg0=0xb,nw_dst=10.128.0.4, priority 100, cookie 0x3efbc08d4f18741
    output:5

Final flow: ip,reg0=0xb,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.0.4,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no
Megaflow: recirc_id=0,eth,ip,in_port=3,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.0.4,nw_frag=no
Datapath actions: 8`,
};

export const localDropped: RecordedTrace = {
  setting: 'n1: red/red-a (VNID 11) to blue/blue-a (10.128.0.3, port 4, VNID 12)',
  output: `Flow: ip,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.0.3,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

bridge("br0")
-------------
 0. priority 50, cookie 0x1bf0d244a4cb62c
    goto_table:20
20. ip,in_port=3,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2, priority 100, cookie 0x341235834e7eb98
    set_field:0xb->reg0
    goto_table:30
30. ip,nw_dst=10.128.0.0/23, priority 200, cookie 0x1bf0d244a4cb62c
    goto_table:70
70. priority 0, cookie 0x1bf0d244a4cb62c
    drop

Final flow: ip,reg0=0xb,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.0.3,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no
Megaflow: recirc_id=0,eth,ip,in_port=3,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2,nw_dst=10.128.0.3,nw_frag=no
Datapath actions: drop`,
};

export const localTcp: RecordedTrace = {
  setting: 'n1: red/red-a to red/red-c tcp port 80',
  output: `Flow: tcp,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.0.4,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=80,tcp_flags=0

bridge("br0")
-------------
 0. priority 50, cookie 0x1bf0d244a4cb62c
    goto_table:20
20. ip,in_port=3,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2, priority 100, cookie 0x341235834e7eb98
    set_field:0xb->reg0
    goto_table:30
30. ip,nw_dst=10.128.0.0/23, priority 200, cookie 0x1bf0d244a4cb62c
    goto_table:70
70. ip,reg0=0xb,nw_dst=10.128.0.4, priority 100, cookie 0x3efbc08d4f18741
    output:5

Final flow: tcp,reg0=0xb,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.0.4,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=80,tcp_flags=0
Megaflow: recirc_id=0,eth,ip,in_port=3,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.0.4,nw_frag=no
Datapath actions: 8`,
};

export const vxlanArpMiss: RecordedTrace = {
  setting: 'n1: red/red-a to red/red-b on n2 (10.91.0.2, subnet 10.128.2.0/23) before any traffic: tunnel neighbour unknown',
  output: `Flow: ip,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.2.2,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

bridge("br0")
-------------
 0. priority 50, cookie 0x1bf0d244a4cb62c
    goto_table:20
20. ip,in_port=3,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2, priority 100, cookie 0x341235834e7eb98
    set_field:0xb->reg0
    goto_table:30
30. ip,nw_dst=10.128.0.0/14, priority 100, cookie 0x1bf0d244a4cb62c
    goto_table:90
90. ip,nw_dst=10.128.2.0/23, priority 100, cookie 0x236e7ab0a8b29bd
    move:NXM_NX_REG0[]->NXM_NX_TUN_ID[0..31]
     -> NXM_NX_TUN_ID[0..31] is now 0xb
    set_field:10.91.0.2->tun_dst
    output:1
     -> output to native tunnel
     -> tunneling to 10.91.0.2 via br-phy
     -> neighbor cache miss for 10.91.0.2 on bridge br-phy, sending ARP request

Final flow: ip,reg0=0xb,tun_src=0.0.0.0,tun_dst=10.91.0.2,tun_ipv6_src=::,tun_ipv6_dst=::,tun_gbp_id=0,tun_gbp_flags=0,tun_tos=0,tun_ttl=0,tun_erspan_ver=0,gtpu_flags=0,gtpu_msgtype=0,tun_flags=0,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.2.2,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no
Megaflow: recirc_id=0,eth,ip,in_port=3,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2,nw_dst=10.128.2.0/23,nw_ecn=0,nw_frag=no
Datapath actions: drop`,
};

export const vxlanWarm: RecordedTrace = {
  setting: 'n1 (10.91.0.1, subnet 10.128.2.0/23): red/red-a (10.128.2.2) udp to red/red-b (10.128.0.2) on n2 (10.91.0.2) after a ping',
  output: `Flow: udp,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:02:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.2.2,nw_dst=10.128.0.2,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=53

bridge("br0")
-------------
 0. priority 50, cookie 0x1bf0d244a4cb62c
    goto_table:20
20. ip,in_port=3,dl_src=0a:58:0a:80:02:02,nw_src=10.128.2.2, priority 100, cookie 0x341235834e7eb98
    set_field:0xb->reg0
    goto_table:30
30. ip,nw_dst=10.128.0.0/14, priority 100, cookie 0x1bf0d244a4cb62c
    goto_table:90
90. ip,nw_dst=10.128.0.0/23, priority 100, cookie 0x236e7ab0a8b29bd
    move:NXM_NX_REG0[]->NXM_NX_TUN_ID[0..31]
     -> NXM_NX_TUN_ID[0..31] is now 0xb
    set_field:10.91.0.2->tun_dst
    output:1
     -> output to native tunnel
     -> tunneling to 10.91.0.2 via br-phy
     -> tunneling from c6:b9:f7:ef:32:46 10.91.0.1 to 0a:50:2c:67:49:4a 10.91.0.2

bridge("br-phy")
----------------
 0. priority 0
    NORMAL
     -> forwarding to learned port

Final flow: udp,reg0=0xb,tun_src=0.0.0.0,tun_dst=10.91.0.2,tun_ipv6_src=::,tun_ipv6_dst=::,tun_gbp_id=0,tun_gbp_flags=0,tun_tos=0,tun_ttl=0,tun_erspan_ver=0,gtpu_flags=0,gtpu_msgtype=0,tun_flags=0,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:02:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.2.2,nw_dst=10.128.0.2,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=53
Megaflow: recirc_id=0,eth,ip,in_port=3,dl_src=0a:58:0a:80:02:02,nw_src=10.128.2.2,nw_dst=10.128.0.0/23,nw_ecn=0,nw_frag=no
Datapath actions: tnl_push(tnl_port(4),header(size=50,type=4,eth(dst=0a:50:2c:67:49:4a,src=c6:b9:f7:ef:32:46,dl_type=0x0800),ipv4(src=10.91.0.1,dst=10.91.0.2,proto=17,tos=0,ttl=64,frag=0x4000),udp(src=0,dst=4789,csum=0x0),vxlan(flags=0x8000000,vni=0xb)),out_port(2)),1`,
};

export const receivedDelivered: RecordedTrace = {
  setting: 'n2 (10.91.0.2): received over VXLAN from n1 with VNID 11 for red/red-b (10.128.2.2, port 3)',
  output: `Flow: ip,tun_src=10.91.0.1,tun_dst=10.91.0.2,tun_ipv6_src=::,tun_ipv6_dst=::,tun_gbp_id=0,tun_gbp_flags=0,tun_tos=0,tun_ttl=0,tun_erspan_ver=0,gtpu_flags=0,gtpu_msgtype=0,tun_flags=0,in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.2.2,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

bridge("br0")
-------------
 0. in_port=1, priority 200, cookie 0x1bf0d244a4cb62c
    goto_table:10
10. tun_src=10.91.0.1, priority 100, cookie 0x2d3da798113c01f
    move:NXM_NX_TUN_ID[0..31]->NXM_NX_REG0[]
     -> NXM_NX_REG0[] is now 0xb
    goto_table:30
30. ip,nw_dst=10.128.2.0/23, priority 200, cookie 0x1bf0d244a4cb62c
    goto_table:70
70. ip,reg0=0xb,nw_dst=10.128.2.2, priority 100, cookie 0x3ddd3389c0e74aa
    output:3

Final flow: ip,reg0=0xb,tun_src=10.91.0.1,tun_dst=10.91.0.2,tun_ipv6_src=::,tun_ipv6_dst=::,tun_gbp_id=0,tun_gbp_flags=0,tun_tos=0,tun_ttl=0,tun_erspan_ver=0,gtpu_flags=0,gtpu_msgtype=0,tun_flags=0,in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.2.2,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no
Megaflow: recirc_id=0,eth,ip,tun_id=0xb,tun_src=10.91.0.1,tun_dst=10.91.0.2,tun_tos=0,tun_flags=-df-csum-key,in_port=1,dl_dst=00:00:00:00:00:00,nw_dst=10.128.2.2,nw_frag=no
Datapath actions: 6`,
};

export const receivedDropped: RecordedTrace = {
  setting: 'n2: received from n1 with VNID 12 (blue) for red/red-b (10.128.2.2, VNID 11)',
  output: `Flow: ip,tun_src=10.91.0.1,tun_dst=10.91.0.2,tun_ipv6_src=::,tun_ipv6_dst=::,tun_gbp_id=0,tun_gbp_flags=0,tun_tos=0,tun_ttl=0,tun_erspan_ver=0,gtpu_flags=0,gtpu_msgtype=0,tun_flags=0,in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.3,nw_dst=10.128.2.2,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

bridge("br0")
-------------
 0. in_port=1, priority 200, cookie 0x1bf0d244a4cb62c
    goto_table:10
10. tun_src=10.91.0.1, priority 100, cookie 0x2d3da798113c01f
    move:NXM_NX_TUN_ID[0..31]->NXM_NX_REG0[]
     -> NXM_NX_REG0[] is now 0xc
    goto_table:30
30. ip,nw_dst=10.128.2.0/23, priority 200, cookie 0x1bf0d244a4cb62c
    goto_table:70
70. priority 0, cookie 0x1bf0d244a4cb62c
    drop

Final flow: ip,reg0=0xc,tun_src=10.91.0.1,tun_dst=10.91.0.2,tun_ipv6_src=::,tun_ipv6_dst=::,tun_gbp_id=0,tun_gbp_flags=0,tun_tos=0,tun_ttl=0,tun_erspan_ver=0,gtpu_flags=0,gtpu_msgtype=0,tun_flags=0,in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.3,nw_dst=10.128.2.2,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no
Megaflow: recirc_id=0,eth,ip,tun_id=0xc,tun_src=10.91.0.1,tun_dst=10.91.0.2,tun_tos=0,tun_flags=-df-csum-key,in_port=1,nw_dst=10.128.2.2/31,nw_frag=no
Datapath actions: drop`,
};

export const receivedUdp: RecordedTrace = {
  setting: 'n2 (10.91.0.2, subnet 10.128.0.0/23): udp/53 received from n1 with VNID 11 for red/red-b (10.128.0.2, port 3)',
  output: `Flow: udp,tun_src=10.91.0.1,tun_dst=10.91.0.2,tun_ipv6_src=::,tun_ipv6_dst=::,tun_gbp_id=0,tun_gbp_flags=0,tun_tos=0,tun_ttl=0,tun_erspan_ver=0,gtpu_flags=0,gtpu_msgtype=0,tun_flags=0,in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.128.2.2,nw_dst=10.128.0.2,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=53

bridge("br0")
-------------
 0. in_port=1, priority 200, cookie 0x1bf0d244a4cb62c
    goto_table:10
10. tun_src=10.91.0.1, priority 100, cookie 0x2d3da798113c01f
    move:NXM_NX_TUN_ID[0..31]->NXM_NX_REG0[]
     -> NXM_NX_REG0[] is now 0xb
    goto_table:30
30. ip,nw_dst=10.128.0.0/23, priority 200, cookie 0x1bf0d244a4cb62c
    goto_table:70
70. ip,reg0=0xb,nw_dst=10.128.0.2, priority 100, cookie 0x3ddd3389c0e74aa
    output:3

Final flow: udp,reg0=0xb,tun_src=10.91.0.1,tun_dst=10.91.0.2,tun_ipv6_src=::,tun_ipv6_dst=::,tun_gbp_id=0,tun_gbp_flags=0,tun_tos=0,tun_ttl=0,tun_erspan_ver=0,gtpu_flags=0,gtpu_msgtype=0,tun_flags=0,in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.128.2.2,nw_dst=10.128.0.2,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=53
Megaflow: recirc_id=0,eth,ip,tun_id=0xb,tun_src=10.91.0.1,tun_dst=10.91.0.2,tun_tos=0,tun_flags=-df-csum-key,in_port=1,dl_dst=00:00:00:00:00:00,nw_dst=10.128.0.2,nw_frag=no
Datapath actions: 6`,
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

export const external: RecordedTrace = {
  setting: 'n1: red/red-a to the hub 10.91.0.254, outside the cluster network',
  output: `Flow: ip,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.91.0.254,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

bridge("br0")
-------------
 0. priority 50, cookie 0x1bf0d244a4cb62c
    goto_table:20
20. ip,in_port=3,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2, priority 100, cookie 0x341235834e7eb98
    set_field:0xb->reg0
    goto_table:30
30. ip, priority 50, cookie 0x1bf0d244a4cb62c
    goto_table:100
100. priority 0, cookie 0x1bf0d244a4cb62c
    output:2

Final flow: ip,reg0=0xb,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.91.0.254,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no
Megaflow: recirc_id=0,eth,ip,in_port=3,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.0.0.0/9,nw_frag=no
Datapath actions: 5`,
};

export const serviceDropped: RecordedTrace = {
  setting: 'n1: red/red-a (VNID 11) tcp to 172.30.0.10:80, no service flow',
  output: `Flow: tcp,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=172.30.0.10,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=80,tcp_flags=0

bridge("br0")
-------------
 0. priority 50, cookie 0x1bf0d244a4cb62c
    goto_table:20
20. ip,in_port=3,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2, priority 100, cookie 0x341235834e7eb98
    set_field:0xb->reg0
    goto_table:30
30. ip,nw_dst=172.30.0.0/16, priority 100, cookie 0x1bf0d244a4cb62c
    goto_table:60
60. priority 0, cookie 0x1bf0d244a4cb62c
    drop

Final flow: tcp,reg0=0xb,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=172.30.0.10,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=80,tcp_flags=0
Megaflow: recirc_id=0,eth,ip,in_port=3,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2,nw_dst=172.30.0.0/16,nw_frag=no
Datapath actions: drop`,
};

export const gateway: RecordedTrace = {
  setting: 'n1: red/red-a to its gateway 10.128.0.1',
  output: `Flow: ip,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.0.1,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

bridge("br0")
-------------
 0. priority 50, cookie 0x1bf0d244a4cb62c
    goto_table:20
20. ip,in_port=3,dl_src=0a:58:0a:80:00:02,nw_src=10.128.0.2, priority 100, cookie 0x341235834e7eb98
    set_field:0xb->reg0
    goto_table:30
30. ip,nw_dst=10.128.0.1, priority 300, cookie 0x1bf0d244a4cb62c
    goto_table:100
100. priority 0, cookie 0x1bf0d244a4cb62c
    output:2

Final flow: ip,reg0=0xb,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.0.1,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no
Megaflow: recirc_id=0,eth,ip,in_port=3,dl_src=0a:58:0a:80:00:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=10.128.0.1,nw_frag=no
Datapath actions: 5`,
};

export const fromHost: RecordedTrace = {
  setting: 'n1 (subnet 10.128.2.0/23): the host (tun0) to blue/blue-a (10.128.2.3, port 4)',
  output: `Flow: ip,in_port=2,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.1,nw_dst=10.128.2.3,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

bridge("br0")
-------------
 0. in_port=2, priority 200, cookie 0x1bf0d244a4cb62c
    set_field:0->reg0
    goto_table:30
30. ip,nw_dst=10.128.2.0/23, priority 200, cookie 0x1bf0d244a4cb62c
    goto_table:70
70. ip,reg0=0,nw_dst=10.128.2.3, priority 100, cookie 0x37ce51e8f72f7ff
    output:4

Final flow: unchanged
Megaflow: recirc_id=0,eth,ip,in_port=2,dl_dst=00:00:00:00:00:00,nw_dst=10.128.2.3,nw_frag=no
Datapath actions: 7`,
};

export const unknownTunnelPeer: RecordedTrace = {
  setting: 'n2: VXLAN from 10.91.0.77, not a node',
  output: `Flow: ip,tun_src=10.91.0.77,tun_dst=10.91.0.2,tun_ipv6_src=::,tun_ipv6_dst=::,tun_gbp_id=0,tun_gbp_flags=0,tun_tos=0,tun_ttl=0,tun_erspan_ver=0,gtpu_flags=0,gtpu_msgtype=0,tun_flags=0,in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.128.2.2,nw_dst=10.128.0.2,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

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
10. tun_src=10.91.0.1, priority 100, cookie 0x2d3da798113c01f
    move:NXM_NX_TUN_ID[0..31]->NXM_NX_REG0[]
     -> NXM_NX_REG0[] is now 0xb
    goto_table:30
30. in_port=1, priority 150, cookie 0x1bf0d244a4cb62c
    drop

Final flow: ip,reg0=0xb,tun_src=10.91.0.1,tun_dst=10.91.0.2,tun_ipv6_src=::,tun_ipv6_dst=::,tun_gbp_id=0,tun_gbp_flags=0,tun_tos=0,tun_ttl=0,tun_erspan_ver=0,gtpu_flags=0,gtpu_msgtype=0,tun_flags=0,in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.128.0.2,nw_dst=8.8.8.8,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no
Megaflow: recirc_id=0,eth,ip,tun_id=0xb,tun_src=10.91.0.1,tun_dst=10.91.0.2,tun_tos=0,tun_flags=-df-csum-key,in_port=1,nw_dst=8.0.0.0/7,nw_frag=no
Datapath actions: drop`,
};

export const noNodeSubnet: RecordedTrace = {
  setting: 'n1: red/red-a to 10.130.0.5, in the cluster network but no node has it',
  output: `Flow: ip,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:02:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.2.2,nw_dst=10.130.0.5,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

bridge("br0")
-------------
 0. priority 50, cookie 0x1bf0d244a4cb62c
    goto_table:20
20. ip,in_port=3,dl_src=0a:58:0a:80:02:02,nw_src=10.128.2.2, priority 100, cookie 0x341235834e7eb98
    set_field:0xb->reg0
    goto_table:30
30. ip,nw_dst=10.128.0.0/14, priority 100, cookie 0x1bf0d244a4cb62c
    goto_table:90
90. priority 0, cookie 0x1bf0d244a4cb62c
    drop

Final flow: ip,reg0=0xb,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:02:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.2.2,nw_dst=10.130.0.5,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no
Megaflow: recirc_id=0,eth,ip,in_port=3,dl_src=0a:58:0a:80:02:02,nw_src=10.128.2.2,nw_dst=10.130.0.0/15,nw_frag=no
Datapath actions: drop`,
};

export const noMatch: RecordedTrace = {
  setting: 'n1: red/red-a to blue/blue-a after table 70 was emptied by hand (no catch-all)',
  output: `Flow: ip,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:02:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.2.2,nw_dst=10.128.2.3,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no

bridge("br0")
-------------
 0. priority 50, cookie 0x1bf0d244a4cb62c
    goto_table:20
20. ip,in_port=3,dl_src=0a:58:0a:80:02:02,nw_src=10.128.2.2, priority 100, cookie 0x341235834e7eb98
    set_field:0xb->reg0
    goto_table:30
30. ip,nw_dst=10.128.2.0/23, priority 200, cookie 0x1bf0d244a4cb62c
    goto_table:70
70. No match.
    drop

Final flow: ip,reg0=0xb,in_port=3,vlan_tci=0x0000,dl_src=0a:58:0a:80:02:02,dl_dst=00:00:00:00:00:00,nw_src=10.128.2.2,nw_dst=10.128.2.3,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no
Megaflow: recirc_id=0,eth,ip,in_port=3,dl_src=0a:58:0a:80:02:02,nw_src=10.128.2.2,nw_dst=10.128.2.2/31,nw_frag=no
Datapath actions: drop`,
};
