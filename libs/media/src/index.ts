// Public surface of @verimesh/media: ffmpeg/ffprobe paths, the video store (probe, frames, bounded cache), frame times, test videos.
export { ffmpegPath, ffprobePath } from './binaries.js';
export { VideoStore, defaultVideoStore, extractFrames } from './store.js';
export type { ExtractFramesOptions, VideoFrame, VideoInfo, VideoInput, VideoStoreOptions } from './store.js';
export { evenlySpacedTimes } from './times.js';
export { makeTestVideos } from './testing.js';
export type { TestVideos } from './testing.js';
