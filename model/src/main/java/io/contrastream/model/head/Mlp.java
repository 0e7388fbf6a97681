package io.contrastream.model.head;

import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import java.util.ArrayList;
import java.util.List;

/**
 * Projector and predictor MLPs: Linear layers with optional batch norm and ReLU between them.
 *
 * <pre>{@code
 * Block g = Mlp.projector(2, 128, 512, 128, true);       // SimCLR-style 2-layer projector
 * Block q = Mlp.predictor(128, 64, 128);                 // SimSiam-style bottleneck predictor
 * Block b = Mlp.build(2, 128, 512, 128, Mlp.GN_WS);       // BYOL without batch statistics
 * }</pre>
 *
 * <p>A 1-layer projector is a plain linear map (MoCo v1); 2 layers are SimCLR / MoCo v2's MLP
 * (Chen et al., 2020, arXiv:2002.05709); 3 layers SimCLR v2's (arXiv:2006.10029). Batch norm,
 * when on, follows every hidden Linear; {@code bnLast} also normalises the output (SimSiam).
 * The {@code norm} variants choose the hidden layers' normalisation: batch norm, none, or group norm
 * after a weight-standardised Linear ({@link GroupNorm}, {@link WsLinear}).
 */
public final class Mlp {
    /** Hidden-layer normalisations of {@link #build(int, int, int, int, String)}. */
    public static final String BN = "bn";
    public static final String NONE = "none";
    public static final String GN_WS = "gn-ws";

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
        validate(layers, inDim, hiddenDim, outDim);
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

    /**
     * An MLP whose hidden layers are Linear → norm → ReLU, the output a Linear with bias.
     *
     * @param norm {@link #BN} (the same block as {@code build(layers, .., true, false)}), {@link #NONE}
     *     (Linear with bias → ReLU) or {@link #GN_WS} (weight-standardised Linear → group norm with
     *     {@link GroupNorm#defaultGroups} groups → ReLU)
     */
    public static Block build(int layers, int inDim, int hiddenDim, int outDim, String norm) {
        switch (norm) {
            case BN:
                return build(layers, inDim, hiddenDim, outDim, true, false);
            case NONE:
                return build(layers, inDim, hiddenDim, outDim, false, false);
            case GN_WS:
                break;
            default:
                throw new IllegalArgumentException("MLP norm must be bn, none or gn-ws, got " + norm);
        }
        validate(layers, inDim, hiddenDim, outDim);
        SequentialBlock mlp = new SequentialBlock();
        for (int i = 0; i < layers - 1; i++) {
            mlp.add(new WsLinear(hiddenDim, false));
            mlp.add(new GroupNorm(GroupNorm.defaultGroups(hiddenDim)));
            mlp.add(Activation.reluBlock());
        }
        mlp.add(Linear.builder().setUnits(outDim).build());
        return mlp;
    }

    private static void validate(int layers, int inDim, int hiddenDim, int outDim) {
        if (layers < 1 || layers > 3) {
            throw new IllegalArgumentException("an MLP head has 1, 2 or 3 layers, got " + layers);
        }
        if (inDim <= 0 || hiddenDim <= 0 || outDim <= 0) {
            throw new IllegalArgumentException("MLP dimensions must be positive: in=" + inDim + " hidden=" + hiddenDim
                    + " out=" + outDim);
        }
    }

    /**
     * The blocks of an MLP built here up to and including its first ReLU, i.e. its first layer
     * σ(norm(W·h)) (SimCLR v2 fine-tunes from there); all of them for a 1-layer MLP.
     */
    public static List<Block> firstLayer(Block mlp) {
        List<Block> out = new ArrayList<>();
        for (var child : mlp.getChildren()) {
            out.add(child.getValue());
            if (child.getValue() instanceof LambdaBlock) {
                break;
            }
        }
        return out;
    }
}
