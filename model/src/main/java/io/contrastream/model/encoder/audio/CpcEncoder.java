package io.contrastream.model.encoder.audio;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.recurrent.GRU;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * CPC's audio encoder (arXiv:1807.03748, section 3.1): g_enc, strided Conv1d without padding + ReLU
 * per layer (the paper's, no normalisation: it would couple frames of a batch or of a stream and
 * break chunk-by-chunk streaming), then g_ar, a one-layer batch-first GRU.
 *
 * <pre>{@code
 * CpcEncoder enc = new CpcEncoder(CpcEncoderConfig.cpu());
 * enc.setInitializer(new SeededInitializer(rng), Parameter.Type.WEIGHT);
 * enc.initialize(manager, DataType.FLOAT32, new Shape(2, 1, cfg.receptiveField()));
 * NDList out = enc.forward(ps, new NDList(wave), false);        // wave: N x 1 x T in [-1, 1]
 * NDArray z = out.get(0);  // N x C x T'   (g_enc, T' = cfg.frames(T))
 * NDArray c = out.get(1);  // N x T' x H   (g_ar)
 * NDArray h = out.get(2);  // 1 x N x H    the GRU state after the last frame
 * }</pre>
 *
 * <p>A second input, the GRU state 1 x N x H, continues a sequence (streaming); without it the GRU
 * starts from zeros. Weights: seeded by the caller's {@code SeededInitializer} (convolutions He
 * normal, fan-out; GRU matrices U(±1/√fan_in)); biases start at zero.
 */
public final class CpcEncoder extends AbstractBlock {
    private final CpcEncoderConfig config;
    private final SequentialBlock genc;
    private final GRU gar;

    public CpcEncoder(CpcEncoderConfig config) {
        this.config = config;
        SequentialBlock g = new SequentialBlock();
        int[] k = config.kernels();
        int[] s = config.strides();
        for (int l = 0; l < k.length; l++) {
            g.add(Conv1d.builder().setFilters(config.channels()).setKernelShape(new Shape(k[l]))
                    .optStride(new Shape(s[l])).optPadding(new Shape(0)).build());
            g.add(Activation.reluBlock());
        }
        this.genc = addChildBlock("genc", g);
        this.gar = addChildBlock("gar", GRU.builder().setStateSize(config.gruUnits()).setNumLayers(1)
                .optBatchFirst(true).optReturnState(true).build());
    }

    public CpcEncoderConfig config() {
        return config;
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape wave = inputShapes[0]; // N x 1 x T
        genc.initialize(manager, dataType, wave);
        Shape z = genc.getOutputShapes(new Shape[] {wave})[0]; // N x C x T'
        gar.initialize(manager, dataType, new Shape(z.get(0), z.get(2), z.get(1)));
    }

    /** g_enc alone: N x 1 x T → z: N x C x T'. */
    public NDArray encode(ParameterStore ps, NDArray wave, boolean training) {
        return genc.forward(ps, new NDList(wave), training).singletonOrThrow();
    }

    /** g_ar alone: z N x T' x C (time-major rows) and optional state 1 x N x H → {c: N x T' x H, state}. */
    public NDList context(ParameterStore ps, NDArray zTime, NDArray state, boolean training) {
        NDList in = state == null ? new NDList(zTime) : new NDList(zTime, state);
        return gar.forward(ps, in, training);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        NDArray z = encode(ps, inputs.get(0), training); // z: N x C x T'
        NDList ar = context(ps, z.transpose(0, 2, 1), inputs.size() > 1 ? inputs.get(1) : null, training);
        return new NDList(z, ar.get(0), ar.get(1)); // z, c: N x T' x H, state: 1 x N x H
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape wave = inputShapes[0];
        long n = wave.get(0);
        long frames = config.frames(Math.toIntExact(wave.get(2)));
        return new Shape[] {new Shape(n, config.channels(), frames), new Shape(n, frames, config.gruUnits()),
            new Shape(1, n, config.gruUnits())};
    }
}
