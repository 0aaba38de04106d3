import {buildTree, parseFoldedLines, type FlameTree} from '../../source/profile/tree.js';

/** A small fixed profile shared by the flame model tests (a Zeek-like main loop and a log thread). */
export const SAMPLE = `zeek;main;run_loop;dispatch;analyze_tcp 40
zeek;main;run_loop;dispatch;analyze_udp 20
zeek;main;run_loop;pcap_next 20
zeek;main;init 8
zeek;main;init;parse_a 1
zeek;main;init;parse_b 1
zeek;main 5
zeek;log_thread;write 5
`;

export function treeOf(text: string): FlameTree {
	return buildTree(parseFoldedLines(text).stacks);
}
