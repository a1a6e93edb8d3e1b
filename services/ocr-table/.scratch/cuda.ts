import { OcrEngine } from '../src/ocr/engine.js';
try { const e = await OcrEngine.create({ providers: ['cuda', 'cpu'] }); console.log('created', e.providers); } catch (err) { console.log('ERR', (err as Error).message.slice(0, 300)); }
