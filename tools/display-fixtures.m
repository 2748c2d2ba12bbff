% Regenerate tests/fixtures/display/*.txt: MatConvNet's own vl_simplenn_display on the nets of
% tests/fixtures/display/nets.json, so that tests/display.test.ts compares simplennDisplay with
% what MATLAB code prints rather than with our reading of it. Run from the repository root:
%   MCN=/path/to/matconvnet/matlab octave-cli -q tools/display-fixtures.m
% (MatConvNet v1.0-beta25; the script needs vl_simplenn_display.m, vl_simplenn_tidy.m and
% vl_argparse.m from it. Octave 7 prints these tables as MATLAB does: the nets avoid the one
% place where they differ, sprintf('%d') of a non-integer.)
mcn = getenv('MCN');
addpath(fullfile(mcn, 'simplenn'));
addpath(mcn);
warning('off', 'all');
spec = jsondecode(fileread('tests/fixtures/display/nets.json'));
outdir = 'tests/fixtures/display';

function c = items(v)
  % jsondecode gives a cell for ragged arrays and a matrix (one row each) for even ones.
  if iscell(v), c = v; return; end
  if isstruct(v), c = num2cell(v); return; end
  c = num2cell(v, 2);
end

function z = zerosOf(shape)
  if isempty(shape), z = zeros(0, 0, 'single'); else z = zeros(shape(:)', 'single'); end
end

function net = buildNet(s)
  net = struct();
  if isfield(s, 'meta'), net.meta = s.meta; end
  ls = items(s.layers);
  net.layers = {};
  for l = 1:numel(ls)
    ly = ls{l};
    if isfield(ly, 'weights')
      w = items(ly.weights);
      ly.weights = cellfun(@zerosOf, w, 'UniformOutput', false);
      ly.weights = reshape(ly.weights, 1, []);
    end
    if isfield(ly, 'filters'), ly.filters = zerosOf(ly.filters); end
    if isfield(ly, 'biases'), ly.biases = zerosOf(ly.biases); end
    if isfield(ly, 'forwardDepth')
      d = ly.forwardDepth;
      ly.getForwardSize = @(ly, sz) [sz(1); sz(2); d; sz(4)];
      ly = rmfield(ly, 'forwardDepth');
    end
    net.layers{end+1} = ly;
  end
end

cases = items(spec.cases);
for i = 1:numel(cases)
  c = cases{i};
  net = buildNet(spec.nets.(c.net));
  if c.tidy, net = vl_simplenn_tidy(net); end
  args = {};
  if isstruct(c.opts)
    f = fieldnames(c.opts);
    for k = 1:numel(f), args = [args, {f{k}, c.opts.(f{k})}]; end
  end
  [~, str] = vl_simplenn_display(net, args{:});
  fid = fopen(fullfile(outdir, [c.name '.txt']), 'w');
  fprintf(fid, '%s', str);
  fclose(fid);
  fprintf('%s: %d characters\n', c.name, numel(str));
end
