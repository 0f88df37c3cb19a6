// The samples the pixel network is trained on: the committed feature model's own (train.ts
// defaults), so the two models are compared on the same training data.
export const PIXEL_TRAINING = { perSource: 110, seed: 20261122, forms: "base" } as const;
