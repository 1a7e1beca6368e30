// OpenCLIP ViT-H/14 text tower in transformers' CLIPTextModel form, as SD 2.x ships it: 1024 wide,
// 16 heads, MLP 4096 with exact GELU, causal mask, 49408-token vocabulary, 77 positions, and 23
// layers (SD 2.x conditions on the penultimate of OpenCLIP's 24, so the export keeps 23).
import { attr } from '../lib/onnx-builder';
import { attention, gelu, layerNorm, linear, Net, type NetOptions } from './layers';

export interface TextEncoderConfig {
  hidden: number;
  layers: number;
  heads: number;
  mlp: number;
  vocab: number;
  positions: number;
}

export const OPENCLIP_H_TEXT: TextEncoderConfig = { hidden: 1024, layers: 23, heads: 16, mlp: 4096, vocab: 49408, positions: 77 };

/** [positions, positions] additive causal mask: 0 on and below the diagonal, −10⁴ above (fp16-safe). */
function causalMask(n: Net, positions: number, seqLen: string): string {
  const values = new Array<number>(positions * positions).fill(0);
  for (let i = 0; i < positions; i++) for (let j = i + 1; j < positions; j++) values[i * positions + j] = -1e4;
  const full = n.constant(values, [positions, positions]);
  const ends = n.op('Concat', [seqLen, seqLen], { axis: attr.int(0) });
  return n.op('Slice', [full, n.b.i64([0, 0]), ends, n.b.i64([0, 1])]);
}

function encoderLayer(n: Net, x: string, cfg: TextEncoderConfig, mask: string): string {
  const spec = { dim: cfg.hidden, contextDim: cfg.hidden, heads: cfg.heads, qkvBias: true, mask };
  const h = n.op('Add', [x, attention(n, layerNorm(n, x, cfg.hidden), spec)]);
  const mlp = linear(n, gelu(n, linear(n, layerNorm(n, h, cfg.hidden), cfg.hidden, cfg.mlp)), cfg.mlp, cfg.hidden);
  return n.op('Add', [h, mlp]);
}

/** input_ids int32 [batch, sequence] → last_hidden_state [batch, sequence, hidden]. */
export function buildTextEncoder(cfg: TextEncoderConfig, opts: NetOptions): Net {
  const n = new Net('synthetic_text_encoder', opts);
  const ids = n.b.input('input_ids', 'int32', ['batch', 'sequence']);
  const seqLen = n.op('Slice', [n.op('Shape', [ids]), n.b.i64([1]), n.b.i64([2])]);
  const tokens = n.op('Gather', [n.param('token_embedding', [cfg.vocab, cfg.hidden], 0.02 * Math.sqrt(3)), ids], { axis: attr.int(0) });
  const table = n.param('position_embedding', [cfg.positions, cfg.hidden], 0.01 * Math.sqrt(3));
  const positions = n.op('Slice', [table, n.b.i64([0]), seqLen, n.b.i64([0])]);
  let h = n.op('Add', [tokens, positions]);
  const mask = causalMask(n, cfg.positions, seqLen);
  for (let i = 0; i < cfg.layers; i++) h = encoderLayer(n, h, cfg, mask);
  const out = layerNorm(n, h, cfg.hidden);
  n.b.outputFrom(n.fromCompute(out, opts.storage), 'last_hidden_state', opts.storage, ['batch', 'sequence', cfg.hidden]);
  return n;
}
