/** The IDX files of Fashion-MNIST's splits, as the original distribution and Debian's dataset-fashion-mnist name them. */
export function splitFiles(train: boolean): { images: string; labels: string } {
  const prefix = train ? "train" : "t10k";
  return { images: `${prefix}-images-idx3-ubyte.gz`, labels: `${prefix}-labels-idx1-ubyte.gz` };
}
