/**
 * `dense`: an autoencoder over one window's scaled features (Kitsune's idea):
 * F → 16 → 6 → 16 → F, tanh hidden layers, linear output, trained to
 * reproduce benign windows. Score = mean squared reconstruction error.
 * Initializers are seeded (glorot-uniform, one seed per layer).
 */
import * as tfl from '@tensorflow/tfjs-layers';

export const DENSE_HIDDEN_UNITS = [16, 6, 16];

export function buildDenseAutoencoder(featureCount: number, seed: number): tfl.LayersModel {
  const model = tfl.sequential({ name: 'flowhound_dense' });
  DENSE_HIDDEN_UNITS.forEach((units, i) => {
    model.add(
      tfl.layers.dense({
        units,
        activation: 'tanh',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: seed * 31 + i }),
        ...(i === 0 ? { inputShape: [featureCount] } : {}),
      }),
    );
  });
  model.add(tfl.layers.dense({ units: featureCount, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed * 31 + 99 }) }));
  return model;
}
