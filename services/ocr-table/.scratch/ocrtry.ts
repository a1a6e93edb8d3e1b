import sharp from 'sharp';
import { OcrEngine } from '/work/main/services/ocr-table/src/ocr/engine.js';
const t0 = Date.now();
const eng = await OcrEngine.create();
console.log('load', Date.now() - t0);
for (const [font, size] of [['DejaVu Sans', 32], ['DejaVu Serif', 24], ['Liberation Mono', 28], ['Lato', 40]] as const) {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="512" height="160"><rect width="100%" height="100%" fill="white"/><text x="16" y="60" font-family="${font}" font-size="${size}" fill="black">Invoice total 1,234.50</text><text x="16" y="120" font-family="${font}" font-size="${size}" fill="black">Shipped to Berlin</text></svg>`;
  const { data, info } = await sharp(Buffer.from(svg)).flatten({ background: '#fff' }).raw().toBuffer({ resolveWithObject: true });
  const t = Date.now();
  const r = await eng.recognize({ data, width: info.width, height: info.height });
  console.log(font, size, Date.now() - t, JSON.stringify(r.text), r.lines.map((l) => l.confidence.toFixed(2)));
}
