/** Findings as JSON lines, one object per finding (the Finding shape, src/types.ts). */
import type { Finding } from '../types.js';
import { finishOutput, orderFinding, type Sink, type TextOutput } from './sink.js';

export function createJsonlSink(out: TextOutput, options: { endOutput?: boolean } = {}): Sink {
  return {
    write(findings: readonly Finding[]) {
      if (findings.length === 0) return;
      let text = '';
      for (const f of findings) text += `${JSON.stringify(orderFinding(f))}\n`;
      out.write(text);
    },
    close() {
      return finishOutput(out, options.endOutput ?? false);
    },
  };
}
