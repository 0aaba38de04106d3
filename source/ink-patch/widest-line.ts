// Drop-in for the widest-line import of ink/build/render-node-to-output.js (it measures every text
// node on every frame): counting for one-column text, widest-line for the rest (measure-text.ts).
export {fastWidestLine as default} from './measure-text.js';
