// Whether ffmpeg's output of one frame is whole, for when fluent-ffmpeg reports an error after the frame was written.
const IEND = Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * A PNG is whole when it starts with the signature and ends with the IEND chunk (its CRC included); raw RGB24 when
 * it has exactly width·height·3 bytes. Without a known size, raw output is never taken as whole.
 */
export function frameComplete(data: Buffer, format: 'png' | 'rgb', rgbBytes?: number): boolean {
  if (format === 'png') return data.length > PNG_SIGNATURE.length + IEND.length && data.subarray(0, 8).equals(PNG_SIGNATURE) && data.subarray(-IEND.length).equals(IEND);
  return rgbBytes !== undefined && rgbBytes > 0 && data.length === rgbBytes;
}
