// The ABI: the only file with exports. Every argument is a pointer (usize)
// into the facade's arena or a plain number; see src/wasm.ts for the caller.

export { arenaBase, thread_statics, thread_statics_bytes } from './memory';
export { buildFeatures } from './simd';
export { thread_add } from './threads';
export { relu_forward, relu_backward } from './relu';
export { sigmoid_forward, sigmoid_backward } from './sigmoid';
export { softmax_forward, softmax_backward } from './softmax';
export { conv_forward, conv_forward_prepare, conv_forward_pixels, conv_forward_scratch, conv_backward_bias } from './conv/conv';
export { conv_forward_path } from './conv/conv';
export { conv_backward_data, conv_backward_data_scratch } from './conv/backward_data';
export { conv_backward_filter, conv_backward_filter_scratch } from './conv/backward_filter';
export { pool_max_forward, pool_max_backward } from './pool/max';
export { pool_avg_forward, pool_avg_backward } from './pool/avg';
export { pool_scratch } from './pool/pass';
export { convt_bias_forward } from './convt';
export { bnorm_moments } from './bnorm';
export { bnorm_forward } from './bnorm';
export { bnorm_backward } from './bnorm';
export { dropout_forward } from './dropout';
export { normalize_forward, normalize_backward, normalize_scratch } from './normalize';
export { spnorm_square_forward, spnorm_forward, spnorm_backward, spnorm_combine_backward } from './spnorm';
export { noffset_forward, noffset_backward, noffset_scratch } from './noffset';
