// Public surface of @verimesh/media: media bytes, bounded image reading, and videos (probe, frames, bounded caches).
export { loadMedia, localPath, findMedia } from './load.js';
export type { LoadMediaOptions } from './load.js';
export { ImageError, imageSource, readImageHeader, decodeImage, downscaleImage } from './image.js';
export type { ImageSource, ImageHeader, DecodeOptions, DecodedImage, DownscaleOptions, EncodedImage } from './image.js';
export { ffmpegPath, ffprobePath } from './binaries.js';
export { VideoStore, defaultVideoStore, extractFrames } from './store.js';
export type { ExtractFramesOptions, VideoStoreOptions } from './store.js';
export type { VideoInput } from './disk-cache.js';
export type { VideoInfo } from './probe.js';
export type { VideoFrame } from './frames.js';
export { evenlySpacedTimes } from './times.js';
