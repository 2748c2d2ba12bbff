// Part 4 in the worker: exercise4.m on the page's subset of charsdb —
// prepareCharsDb (the global mean subtracted), initializeCharacterCNN,
// cnnTrain with the script's options (batch 100, learning rate 0.001) and
// getBatch (or getBatchWithJitter, Part 4.6, whose validation pass jitters
// too as the script's does), the error curves drawn after every epoch, then
// the net without its loss run on the sentence and decodeCharacters.
import {
  prepareCharsDb, initializeCharacterCNN, getBatch, getBatchWithJitter, integerStream, cnnTrain, runOnSentence, decodeCharacters, decodeFigure,
  filtersFigure, trainingCurves, toImageData, Tensor,
} from 'nnblocks';

const now = () => performance.now();

export async function part4({ id, numEpochs, jitter, images, meta, sentence, W }, post) {
  const t0 = now();
  const imdb = prepareCharsDb({ images: { ...images, data: { dims: [32, 32, images.label.length], data: images.data } }, meta });
  let top1err = NaN;
  const randi = integerStream(1, 'getBatchWithJitter');
  const gb = jitter ? (db, batch) => getBatchWithJitter(db, batch, randi) : (db, batch) => getBatch(db, batch);
  const { net } = await cnnTrain(initializeCharacterCNN({ seed: 1 }), imdb, gb, {
    batchSize: 100, numEpochs, learningRate: 0.001, continue: false, log: () => {}, onBatch: () => {},
    onEpoch: (info) => {
      const tr = info.stats.train[info.epoch - 1], va = info.stats.val[info.epoch - 1];
      top1err = va.top1err;
      const line = `epoch ${String(info.epoch).padStart(2)}: val top1err ${va.top1err.toFixed(4)} top5err ${va.top5err.toFixed(4)} ` +
        `(train top1err ${tr.top1err.toFixed(4)}); ${(tr.num / tr.time).toFixed(0)} train images/s`;
      post({ type: 'part4-epoch', id, epoch: info.epoch, top1err: va.top1err, top5err: va.top5err, line,
        figs: { curves: toImageData(trainingCurves(info.stats)), filters: toImageData(filtersFigure(info.net.layers[0].weights[0])) } });
    },
  });
  // net.layers(end) = []; net.imageMean = imageMean; then the sentence (exercise4.m steps 6-9)
  const trained = { ...net, layers: net.layers.slice(0, -1), imageMean: imdb.imageMean };
  const im = new Tensor(sentence, [32, W]);
  const { scores } = runOnSentence(trained, im);
  const decoded = decodeCharacters(scores, meta.classes);
  post({ type: 'part4-done', id, top1err, text: decoded.text, line: decoded.line, ms: now() - t0,
    figs: { decode: toImageData(decodeFigure(im, scores, decoded)) } });
}
