% Regenerate tests/fixtures/tidy/*.json: MatConvNet's own vl_simplenn_tidy on nets of
% tests/fixtures/display/nets.json, each layer as its field names in order, its values (weights by
% size) and meta, so tests/tidy.test.ts compares simplennTidy with what MATLAB code makes.
%   MCN=/path/to/matconvnet/matlab octave-cli -q tools/tidy-fixtures.m
mcn = getenv('MCN');
addpath(fullfile(mcn, 'simplenn'));
addpath(mcn);
warning('off', 'all');
spec = jsondecode(fileread('tests/fixtures/display/nets.json'));
outdir = 'tests/fixtures/tidy';
if ~exist(outdir, 'dir'), mkdir(outdir); end

function c = items(v)
  if iscell(v), c = v; return; end
  if isstruct(v), c = num2cell(v); return; end
  c = num2cell(v, 2);
end

function z = zerosOf(shape)
  if isempty(shape), z = zeros(0, 0, 'single'); else z = zeros(shape(:)', 'single'); end
end

function s = describeValue(v)
  if isa(v, 'single'), s = struct('single', size(v)); return; end
  if iscell(v), s = struct('cell', {cellfun(@describeValue, v, 'UniformOutput', false)}); return; end
  s = v;
end

for name = {'charcnn', 'legacy', 'types'}
  s = spec.nets.(name{1});
  net = struct();
  if isfield(s, 'meta'), net.meta = s.meta; end
  ls = items(s.layers);
  net.layers = {};
  for l = 1:numel(ls)
    ly = ls{l};
    if isfield(ly, 'weights'), ly.weights = reshape(cellfun(@zerosOf, items(ly.weights), 'UniformOutput', false), 1, []); end
    if isfield(ly, 'filters'), ly.filters = zerosOf(ly.filters); end
    if isfield(ly, 'biases'), ly.biases = zerosOf(ly.biases); end
    net.layers{end+1} = ly;
  end
  t = vl_simplenn_tidy(net);
  out = struct('meta', t.meta, 'layers', {{}});
  for l = 1:numel(t.layers)
    ly = t.layers{l};
    f = fieldnames(ly);
    vals = struct();
    for k = 1:numel(f), vals.(f{k}) = describeValue(ly.(f{k})); end
    out.layers{end+1} = struct('fields', {f'}, 'values', vals);
  end
  fid = fopen(fullfile(outdir, [name{1} '.json']), 'w');
  fprintf(fid, '%s\n', jsonencode(out));
  fclose(fid);
  fprintf('%s: %d layers\n', name{1}, numel(t.layers));
end
