// Shared by the kernel specs that hold vector maths to an accuracy bound.

/**
 * Distance in units in the last place between a float32 result and the float64
 * truth, measured at the truth's float32 spacing.
 */
export function ulps(got: f32, want: f64): f64 {
  if (isNaN(want)) return isNaN(got) ? 0 : Infinity;
  if (!isFinite(want)) return <f64>got == want ? 0 : Infinity;
  const w = Mathf.abs(<f32>want);
  const spacing = <f64>(reinterpret<f32>(reinterpret<i32>(w) + 1) - w);
  return Math.abs(<f64>got - want) / (spacing > 0 ? spacing : 1.4e-45);
}
