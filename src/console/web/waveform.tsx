import { useEffect, useRef } from "preact/hooks";

/** Peak per pixel column, drawn around the middle line; `data-drawn` says when it is on the canvas. */
export function Waveform({ samples }: { samples: Int16Array | null }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const element = canvas.current;
    const context = element?.getContext("2d");
    if (!element || !context || !samples) return;
    const { width, height } = element;
    context.clearRect(0, 0, width, height);
    context.fillStyle = "#e8eef6";
    context.fillRect(0, height / 2, width, 1);
    context.fillStyle = "#2563eb";
    const perColumn = Math.max(1, Math.floor(samples.length / width));
    for (let x = 0; x < width; x++) {
      let low = 0;
      let high = 0;
      const from = x * perColumn;
      if (from >= samples.length) break;
      for (let i = from; i < Math.min(samples.length, from + perColumn); i++) {
        const sample = samples[i] as number;
        if (sample < low) low = sample;
        if (sample > high) high = sample;
      }
      const top = height / 2 - (high / 32768) * (height / 2);
      const bottom = height / 2 - (low / 32768) * (height / 2);
      context.fillRect(x, top, 1, Math.max(1, bottom - top));
    }
    element.dataset.drawn = "true";
  }, [samples]);
  return <canvas ref={canvas} class="waveform" width={900} height={120} data-testid="waveform" />;
}
