import {useEffect, useState} from 'react';
import {useStdout} from 'ink';

/** The terminal's size, re-read on resize; a fixed size for tests. */
export function useTerminalSize(fixed?: {columns: number; rows: number}) {
	const {stdout} = useStdout();
	const read = () => fixed ?? {columns: stdout.columns || 80, rows: stdout.rows || 24};
	const [size, setSize] = useState(read);
	useEffect(() => {
		if (fixed) return;
		const onResize = () => setSize(read());
		stdout.on('resize', onResize);
		return () => {
			stdout.off('resize', onResize);
		};
	}, [stdout]);
	return size;
}
