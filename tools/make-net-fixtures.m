% Small simplenn model files in the layouts loadSimpleNN must read (NETWORKS.md §6.2), saved by
% Octave as MATLAB saves them. Run from the repository root:
%   octave --no-gui -q tools/make-net-fixtures.m
% Writes tests/fixtures/nets/{zoo_v7,zoo_v6,legacy_v6}.mat. Weights are fixed ramps, so the test
% knows every value: F(i) = (i - 1) / 100 - 1 in column-major order, biases 0.1 * (1:K).
out = 'tests/fixtures/nets';
ramp = @(sz) single(reshape((0:prod(sz) - 1) / 100 - 1, sz));

% The zoo layout (import-caffe.py + vl_simplenn_tidy, then save -struct): layers + meta.
conv1 = struct('name', 'conv1', 'type', 'conv', ...
  'weights', {{ramp([3 3 3 4]), single(0.1 * (1:4))'}}, 'size', [3 3 3 4], 'pad', [1 1 1 1], 'stride', [1 1], ...
  'precious', false, 'dilate', 1, 'opts', {{'CudnnWorkspaceLimit', 1262485504}});
relu1 = struct('name', 'relu1', 'type', 'relu', 'leak', 0, 'precious', false, 'weights', {{}});
norm1 = struct('name', 'norm1', 'type', 'lrn', 'param', [5 1 0.0001 0.75], 'precious', false, 'weights', {{}});
pool1 = struct('name', 'pool1', 'type', 'pool', 'method', 'max', 'pool', [2 2], 'stride', [2 2], 'pad', [0 1 0 1], ...
  'precious', false, 'weights', {{}}, 'opts', {{}});
fc = struct('name', 'fc', 'type', 'conv', 'weights', {{ramp([4 4 4 2]), single([0.1; 0.2])}}, 'size', [4 4 4 2], ...
  'pad', [0 0 0 0], 'stride', [1 1], 'precious', false, 'dilate', 1, 'opts', {{}});
prob = struct('name', 'prob', 'type', 'softmax', 'precious', false, 'weights', {{}});
net.layers = {conv1, relu1, norm1, pool1, fc, prob};
net.meta.inputs = struct('name', 'data', 'size', [8 8 3 10]);
net.meta.normalization = struct('imageSize', [8 8 3 10], 'averageImage', reshape([123.68 116.779 103.939], 1, 1, 3), ...
  'interpolation', 'bilinear', 'keepAspect', true, 'border', [32 32], 'cropSize', [0.875 0.875]);
net.meta.classes.name = {'n01440764', 'n01443537'};
net.meta.classes.description = {'tench, Tinca tinca', 'goldfish, Carassius auratus'};
save('-v7', fullfile(out, 'zoo_v7.mat'), '-struct', 'net');
save('-v6', fullfile(out, 'zoo_v6.mat'), '-struct', 'net');

% The beta16 legacy layout: top-level layers, classes, normalization; conv filters/biases.
old.layers = {struct('type', 'conv', 'filters', ramp([2 2 1 3]), 'biases', single([0.1 0.2 0.3]), 'stride', 1, 'pad', 0), ...
  struct('type', 'relu'), struct('type', 'softmax')};
old.classes.name = {'a', 'b', 'c'};
old.normalization = struct('imageSize', [3 3 1], 'border', [1 1], 'averageImage', single(0.5));
save('-v6', fullfile(out, 'legacy_v6.mat'), '-struct', 'old');
