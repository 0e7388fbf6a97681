package io.contrastream.model.head;

import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;

/**
 * DINO's projection head (Caron et al., ICCV 2021, arXiv:2104.14294, sec. 3.1): a 3-layer MLP with
 * GELU and no batch norm down to a bottleneck, L2 normalisation, then a weight-normalised linear
 * layer to K outputs.
 *
 * <pre>{@code
 * Block head = DinoHead.build(512, 128, 1024);   // h: N x D → N x 1024 (logits before the temperature)
 * }</pre>
 */
public final class DinoHead {
    private DinoHead() {}

    /**
     * @param hidden width of the two hidden layers (paper 2048)
     * @param bottleneck dimension before the normalisation (paper 256)
     * @param outDim K, the number of outputs (paper 65,536)
     */
    public static Block build(int hidden, int bottleneck, int outDim) {
        if (hidden < 1 || bottleneck < 1 || outDim < 1) {
            throw new IllegalArgumentException("DINO head dimensions must be positive: hidden=" + hidden
                    + " bottleneck=" + bottleneck + " out=" + outDim);
        }
        return new SequentialBlock()
                .add(Linear.builder().setUnits(hidden).build()).add(Activation.geluBlock())
                .add(Linear.builder().setUnits(hidden).build()).add(Activation.geluBlock())
                .add(Linear.builder().setUnits(bottleneck).build())
                .add(LambdaBlock.singleton(z -> z.normalize(2, 1, 1e-12), "l2-normalize")) // z: N x bottleneck
                .add(new WeightNormLinear(outDim));
    }
}
