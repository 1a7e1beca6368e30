// Entry point of a session thread (bundled to dist/session-thread.js): one onnxruntime session per
// thread, opened and served by onnx.ts, the only module that imports onnxruntime-node.
import { serveSessionThread } from './onnx';

serveSessionThread();
