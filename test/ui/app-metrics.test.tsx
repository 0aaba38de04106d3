import {test} from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import {render} from 'ink-testing-library';
import {App} from '../../source/ui/App.js';
import {Monitor} from '../../source/state/monitor.js';
import {ProcFs} from '../../source/collect/procfs.js';
import {MetricsCollector} from '../../source/collect/metrics/collector.js';
import {systemClock} from '../../source/lib/clock.js';
import {serve} from '../helpers/http.js';

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

test('the TUI keeps rendering and answering keys while a metrics endpoint never answers', async () => {
	const hang = await serve(() => {
		// accepts, never answers
	});
	const metrics = new MetricsCollector({clock: systemClock, intervalMs: 1000, timeoutMs: 3000, maxBytes: 1 << 20, fixedUrls: [hang.url]});
	const monitor = new Monitor({procfs: new ProcFs(), clock: systemClock, cwdUnder: '/nonexistent-zeektop/', metrics});
	const app = render(<App monitor={monitor} intervalMs={100} theme={{color: false, unicode: false}} size={{columns: 100, rows: 30}} capturesRoot="/nonexistent-zeektop/captures" perfSeconds={10} perfFrequency={99} />);
	try {
		await sleep(300);
		const before = app.frames.length;
		app.stdin.write('?');
		await sleep(300);
		assert.match(app.lastFrame()!, /zeektop keys/, 'keys answered during the hanging scrape');
		app.stdin.write('\u001b');
		await sleep(600);
		assert.ok(app.frames.length > before + 2, 'frames keep coming');
		assert.equal(metrics.targetList()[0]!.state, 'pending', 'the scrape is still hanging');
		await sleep(3000);
		assert.match(app.lastFrame()!, /metrics http:\/\/127\.0\.0\.1:\d+\/metrics: timeout/, 'the timeout shows in the status line');
	} finally {
		app.unmount();
		await hang.close();
	}
});
