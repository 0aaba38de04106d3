import React from 'react';
import {App, type AppProps} from './App.js';
import {mountFullScreen} from './mount.js';

export function runInteractive(props: AppProps): Promise<number> {
	return mountFullScreen(<App {...props} />);
}
