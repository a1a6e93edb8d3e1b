import sharp from 'sharp';
import * as ort from 'onnxruntime-node';
import { OcrEngine } from '../src/ocr/engine.js';
const eng = await OcrEngine.create();
for (const [font, size, text] of [['Liberation Mono', 34, 'ORDER 7731-B SHIPPED'], ['DejaVu Sans', 28, 'Invoice number 48213'], ['DejaVu Sans', 32, 'Invoice total 1,234.50']] as const) {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="80"><rect width="100%" height="100%" fill="white"/><text x="20" y="50" font-family="${font}" font-size="${size}" fill="black">${text}</text></svg>`;
  const { data, info } = await sharp(Buffer.from(svg)).flatten({ background: '#fff' }).raw().toBuffer({ resolveWithObject: true });
  const img = { data, width: info.width, height: info.height };
  const boxes = await eng.detect(img);
  console.log(font, boxes.map(b=>b.map(Math.round)));
  const r = await eng.recognize(img);
  console.log(JSON.stringify(r.text));
}
