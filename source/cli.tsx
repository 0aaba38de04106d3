#!/usr/bin/env node
console.log('zeektop');
