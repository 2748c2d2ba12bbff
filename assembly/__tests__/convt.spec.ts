import { convt_bias_forward } from '../convt';

describe('convt_bias_forward', () => {
  it('adds b[k] to every element of plane (k, n), for plane sizes around the vector width, and nothing else', () => {
    for (let P = 1; P < 11; P++) {
      for (let K = 1; K < 4; K++) {
        for (let N = 0; N < 3; N++) {
          const n = P * K * N;
          // A guard element after the end catches writes past the last plane.
          const y = new Float32Array(n + 1);
          for (let i = 0; i < n; i++) y[i] = <f32>(i % 7) - 3;
          y[n] = 123;
          const b = new Float32Array(K);
          for (let k = 0; k < K; k++) b[k] = <f32>0.25 * <f32>(k + 1) - <f32>k * <f32>k;
          convt_bias_forward(y.dataStart, b.dataStart, P, K, N);
          for (let i = 0; i < n; i++) {
            const k = (i / P) % K;
            expect<f32>(y[i]).toBe(<f32>(i % 7) - 3 + b[k]);
          }
          expect<f32>(y[n]).toBe(123);
        }
      }
    }
  });
});
