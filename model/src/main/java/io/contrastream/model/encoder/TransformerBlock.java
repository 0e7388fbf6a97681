package io.contrastream.model.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * One pre-norm transformer encoder block on token sequences (Vaswani et al., NeurIPS 2017,
 * arXiv:1706.03762; the pre-norm layout of ViT, Dosovitskiy et al., ICLR 2021, arXiv:2010.11929):
 *
 * <pre>{@code
 * Block b = new TransformerBlock(128, 4, 2);   // x: N x T x 128 → N x T x 128
 * }</pre>
 *
 * <pre>
 *   x ← x + Proj(MultiHeadAttention(LN₁(x)))
 *   x ← x + FC₂(GELU(FC₁(LN₂(x))))            FC₁: width → mlpRatio·width
 *   attention per head: softmax(q·kᵀ / √d_head) · v
 * </pre>
 * Attention is written with NDArray ops (one Linear for q, k and v, batched matMul, softmax); every
 * temporary is an op on the input's side, so it joins the caller's step manager.
 */
public final class TransformerBlock extends AbstractBlock {
    private final int width;
    private final int heads;
    private final Block norm1 = LayerNorm.builder().axis(2).build();
    private final Block qkv;
    private final Block proj;
    private final Block norm2 = LayerNorm.builder().axis(2).build();
    private final Block fc1;
    private final Block fc2;

    public TransformerBlock(int width, int heads, int mlpRatio) {
        if (width % heads != 0) {
            throw new IllegalArgumentException("width " + width + " is not a multiple of heads " + heads);
        }
        this.width = width;
        this.heads = heads;
        addChildBlock("norm1", norm1);
        this.qkv = addChildBlock("qkv", Linear.builder().setUnits(3L * width).build());
        this.proj = addChildBlock("proj", Linear.builder().setUnits(width).build());
        addChildBlock("norm2", norm2);
        this.fc1 = addChildBlock("fc1", Linear.builder().setUnits((long) mlpRatio * width).build());
        this.fc2 = addChildBlock("fc2", Linear.builder().setUnits(width).build());
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape tokens = inputShapes[0]; // N x T x width
        norm1.initialize(manager, dataType, tokens);
        qkv.initialize(manager, dataType, tokens);
        proj.initialize(manager, dataType, tokens);
        norm2.initialize(manager, dataType, tokens);
        fc1.initialize(manager, dataType, tokens);
        fc2.initialize(manager, dataType, fc1.getOutputShapes(new Shape[] {tokens})[0]);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        NDArray x = inputs.singletonOrThrow(); // x: N x T x W
        NDArray a = proj.forward(ps, new NDList(attention(ps, apply(norm1, ps, x, training), training)), training)
                .singletonOrThrow(); // a: N x T x W
        x = x.add(a); // x: N x T x W
        NDArray hidden = Activation.gelu(apply(fc1, ps, apply(norm2, ps, x, training), training)); // N x T x rW
        return new NDList(x.add(apply(fc2, ps, hidden, training))); // N x T x W
    }

    /** Multi-head self-attention before the output projection: N x T x W → N x T x W. */
    private NDArray attention(ParameterStore ps, NDArray x, boolean training) {
        long n = x.getShape().get(0);
        long t = x.getShape().get(1);
        int dHead = width / heads;
        NDArray qkvAll = apply(qkv, ps, x, training) // qkvAll: N x T x 3W
                .reshape(n, t, 3, heads, dHead) // N x T x 3 x heads x dHead
                .transpose(2, 0, 3, 1, 4); // 3 x N x heads x T x dHead
        NDArray q = qkvAll.get(0); // q: N x heads x T x dHead
        NDArray k = qkvAll.get(1); // k: N x heads x T x dHead
        NDArray v = qkvAll.get(2); // v: N x heads x T x dHead
        NDManager m = x.getManager();
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)) // scores: N x heads x T x T
                .mul(m.create((float) (1.0 / Math.sqrt(dHead))));
        NDArray attn = scores.softmax(-1); // attn: N x heads x T x T, rows sum to 1
        return attn.matMul(v) // N x heads x T x dHead
                .transpose(0, 2, 1, 3) // N x T x heads x dHead
                .reshape(n, t, width); // N x T x W
    }

    private static NDArray apply(Block b, ParameterStore ps, NDArray x, boolean training) {
        return b.forward(ps, new NDList(x), training).singletonOrThrow();
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    public String toString() {
        return "TransformerBlock(width=" + width + ", heads=" + heads + ")";
    }
}
