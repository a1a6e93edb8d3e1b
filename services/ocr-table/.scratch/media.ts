import sharp from 'sharp';
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="360" height="120"><rect width="100%" height="100%" fill="#fff"/><text x="20" y="50" font-family="DejaVu Sans" font-size="30" fill="#111">GRAND OPENING</text><text x="20" y="98" font-family="DejaVu Serif" font-size="26" fill="#222">Saturday 10 am</text></svg>`;
await sharp(Buffer.from(svg)).flatten({ background: '#fff' }).greyscale().png({ compressionLevel: 9, palette: true, colours: 16 }).toFile('/work/main/examples/media/ocr-sign.png');
