/** Findings as JSON lines, one object per finding (the Finding shape, src/types.ts). */
import type { Finding } from '../types.js';
import { finishOutput, orderFinding, type Sink, type TextOutput, type TextSinkOptions, writeText } from './sink.js';

export function createJsonlSink(out: TextOutput, options: TextSinkOptions = {}): Sink {
  return {
    write(findings: readonly Finding[]) {
      if (findings.length === 0) return;
      let text = '';
      for (const f of findings) text += `${JSON.stringify(orderFinding(f))}\n`;
      return writeText(out, text, options.acknowledgeWrites === true);
    },
    close() {
      return finishOutput(out, options.endOutput ?? false);
    },
  };
}
