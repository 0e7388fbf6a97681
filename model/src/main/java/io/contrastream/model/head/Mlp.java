package io.contrastream.model.head;

import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;

/**
 * Projector and predictor MLPs: Linear layers with optional batch norm and ReLU between them.
 *
 * <pre>{@code
 * Block g = Mlp.projector(2, 128, 512, 128, true);       // SimCLR-style 2-layer projector
 * Block q = Mlp.predictor(128, 64, 128);                 // SimSiam-style bottleneck predictor
 * }</pre>
 *
 * <p>A 1-layer projector is a plain linear map (MoCo v1); 2 layers are SimCLR / MoCo v2's MLP
 * (Chen et al., 2020, arXiv:2002.05709); 3 layers SimCLR v2's (arXiv:2006.10029). Batch norm,
 * when on, follows every hidden Linear; {@code bnLast} also normalises the output (SimSiam).
 */
public final class Mlp {
    private Mlp() {}

    /**
     * @param layers number of Linear layers (1, 2 or 3)
     * @param inDim input dimension (documentation only: DJL infers it)
     * @param hiddenDim hidden width
     * @param outDim output dimension
     * @param batchNorm batch norm after each hidden Linear
     */
    public static Block projector(int layers, int inDim, int hiddenDim, int outDim, boolean batchNorm) {
        return build(layers, inDim, hiddenDim, outDim, batchNorm, false);
    }

    /** A 2-layer predictor with batch norm on its hidden layer (BYOL / SimSiam / MoCo v3). */
    public static Block predictor(int inDim, int hiddenDim, int outDim) {
        return build(2, inDim, hiddenDim, outDim, true, false);
    }

    public static Block build(int layers, int inDim, int hiddenDim, int outDim, boolean batchNorm, boolean bnLast) {
        if (layers < 1 || layers > 3) {
            throw new IllegalArgumentException("an MLP head has 1, 2 or 3 layers, got " + layers);
        }
        if (inDim <= 0 || hiddenDim <= 0 || outDim <= 0) {
            throw new IllegalArgumentException("MLP dimensions must be positive: in=" + inDim + " hidden=" + hiddenDim
                    + " out=" + outDim);
        }
        SequentialBlock mlp = new SequentialBlock();
        for (int i = 0; i < layers - 1; i++) {
            mlp.add(Linear.builder().setUnits(hiddenDim).optBias(!batchNorm).build());
            if (batchNorm) {
                mlp.add(BatchNorm.builder().build());
            }
            mlp.add(Activation.reluBlock());
        }
        mlp.add(Linear.builder().setUnits(outDim).optBias(!bnLast).build());
        if (bnLast) {
            mlp.add(BatchNorm.builder().optCenter(false).optScale(false).build());
        }
        return mlp;
    }
}
