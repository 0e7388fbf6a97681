package io.contrastream.model.method.cpc;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import io.contrastream.model.encoder.audio.CpcEncoder;
import io.contrastream.model.encoder.audio.CpcEncoderConfig;
import io.contrastream.model.loss.CpcLoss;
import io.contrastream.model.method.MethodSpec;
import io.contrastream.model.method.RecipeBase;
import io.contrastream.model.method.RecipeParams;
import io.contrastream.model.optim.OptimizerParams;
import io.contrastream.model.param.Params;
import java.util.List;

/**
 * Contrastive Predictive Coding on raw 16 kHz audio (van den Oord, Li &amp; Vinyals 2018,
 * arXiv:1807.03748): g_enc (five strided Conv1d + ReLU) → z_t at 100 Hz, g_ar (GRU) → c_t, and for
 * k = 1..K a linear W_k (no bias) predicting z_{t+k} from c_t, trained with {@link CpcLoss}.
 *
 * <pre>{@code
 * try (Cpc cpc = new Cpc(Cpc.SPEC.defaults())) {
 *     StepResult s = cpc.step(new AudioBatch(windows, 8, 20480));
 *     float[][] c = cpc.context(wave);          // c_t per frame, T' x H
 *     CpcStreamer stream = cpc.newStreamer();    // chunk-by-chunk inference per audio stream
 * }
 * }</pre>
 *
 * <p>On the recipes' shared base ({@link RecipeBase}): seeded initialisation over
 * {@code Rng.of(seed, 1)}, the step's random stream {@code Rng.of(seed, 2)} (the time negatives),
 * the guarded step (a non-finite loss or gradient skips the update, counted in
 * {@link #skippedSteps()}), the optimizers and learning-rate schedule (lr × batch/256, warm-up,
 * cosine or constant), and the state layout (magic "CSR1", name "cpc", step, skipped, RNG, the
 * parameters of the encoder then of the predictor, the optimizer: the layout this class wrote
 * before it moved onto the base, so older CPC states still import). The exported "encoder"
 * ({@link #exportEncoder()}) is the whole inference model: g_enc, g_ar and the W_k, since a
 * stream's product includes the predictions.
 */
public final class Cpc extends RecipeBase<AudioBatch> {
    /** van den Oord et al. 2018 (see {@link CpcParams} for the defaults' sources). */
    public static final MethodSpec SPEC = MethodSpec.builder("cpc", (p, enc, device) -> new Cpc(p, device))
            .audio()
            .params(RecipeParams.COMMON, CpcParams.CPC)
            // paper sec. 3.1: Adam, beta1 0.9, no weight decay, lr 2e-4 for batches of 8 (per 256: x 256/8),
            // windows of 20,480 samples, K = 12; widths 64/64 for the CPU (paper 512/256)
            .defaults(p -> p.set(OptimizerParams.OPTIMIZER, "adam").set(OptimizerParams.LR, 2e-4 * 256 / 8)
                    .set(OptimizerParams.MOMENTUM, 0.9).set(OptimizerParams.WEIGHT_DECAY, 0.0)
                    .set(OptimizerParams.BATCH, 8).set(CpcParams.CPC_CHANNELS, 64).set(CpcParams.CPC_GRU, 64)
                    .set(CpcParams.CPC_K, 12).set(CpcParams.CPC_NEGATIVES, 16).set(CpcParams.WINDOW_SAMPLES, 20480))
            .build();

    private final CpcEncoderConfig config;
    private final CpcEncoder encoder;
    private final Block predictor;
    private final CpcLoss loss;
    private final int windowSamples;

    public Cpc(Params params) {
        this(params, null);
    }

    /** @param device where the arrays live; null for DJL's default */
    public Cpc(Params params, Device device) {
        super(checked(params), params, device);
        this.config = CpcParams.encoderConfig(params);
        this.windowSamples = params.get(CpcParams.WINDOW_SAMPLES);
        this.loss = new CpcLoss(config.predictionSteps(), params.get(CpcParams.CPC_NEGATIVES));
        this.encoder = new CpcEncoder(config);
        register(encoder, new Shape(2, 1, config.receptiveField()));
        this.predictor = Linear.builder().setUnits((long) config.predictionSteps() * config.channels()).optBias(false)
                .build(); // weight: (K·C) x H, rows k·C .. (k+1)·C − 1 are W_{k+1}
        register(predictor, new Shape(2, config.gruUnits()));
        initOptimizer();
    }

    /** Refuses windows too short for K predictions, before anything is built. */
    private static MethodSpec checked(Params params) {
        CpcEncoderConfig config = CpcParams.encoderConfig(params);
        int windowSamples = params.get(CpcParams.WINDOW_SAMPLES);
        if (config.frames(windowSamples) <= config.predictionSteps()) {
            throw new IllegalArgumentException("window-samples=" + windowSamples + " gives "
                    + config.frames(windowSamples) + " frames; CPC with K=" + config.predictionSteps() + " needs at least "
                    + config.samplesFor(config.predictionSteps() + 1) + " samples");
        }
        return SPEC;
    }

    /**
     * N windows (any N ≥ 1; N − 1 same-time negatives come from the batch, so use N ≥ 2) whose
     * length gives more than K frames.
     */
    @Override
    protected void checkBatch(AudioBatch batch) {
        int frames = config.frames(batch.length());
        if (frames <= config.predictionSteps()) {
            throw new IllegalArgumentException("windows of " + batch.length() + " samples give " + frames
                    + " frames; K=" + config.predictionSteps() + " needs at least "
                    + config.samplesFor(config.predictionSteps() + 1));
        }
    }

    @Override
    protected NDArray loss(NDManager sm, AudioBatch batch) {
        int n = batch.size();
        int frames = config.frames(batch.length());
        int[] negatives = loss.sampleNegatives(rng, n, frames);
        ParameterStore ps = new ParameterStore(sm, false);
        NDArray x = sm.create(batch.samples(), new Shape(n, 1, batch.length())); // x: N x 1 x T
        NDList out = encoder.forward(ps, new NDList(x), true);
        NDArray z = out.get(0).transpose(0, 2, 1); // z: N x T' x C
        NDArray c = out.get(1); // c: N x T' x H
        NDArray pred = predictor.forward(ps, new NDList(c), true).singletonOrThrow()
                .reshape(n, frames, config.predictionSteps(), config.channels()); // N x T' x K x C
        return loss.compute(z, pred, negatives);
    }

    /** The inference model: g_enc and g_ar, then the W_k. */
    @Override
    protected List<Block> inferenceBlocks() {
        return List.of(encoder, predictor);
    }

    /** The contexts c_t of one waveform, T' x H (no frames when it is shorter than the receptive field). */
    public float[][] context(float[] wave) {
        int frames = config.frames(wave.length);
        int h = config.gruUnits();
        float[][] out = new float[frames][h];
        if (frames == 0) {
            return out;
        }
        boolean was = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDManager sm = manager.newSubManager()) {
            NDArray x = sm.create(wave, new Shape(1, 1, wave.length));
            float[] c = encoder.forward(new ParameterStore(sm, false), new NDList(x), false).get(1).toFloatArray();
            for (int t = 0; t < frames; t++) {
                System.arraycopy(c, t * h, out[t], 0, h);
            }
            return out;
        } finally {
            JniUtils.setGradMode(was);
        }
    }

    /** A new stream's inference state over this model's current weights. */
    public CpcStreamer newStreamer() {
        return new CpcStreamer(this);
    }

    CpcEncoder encoderBlock() {
        return encoder;
    }

    Block predictorBlock() {
        return predictor;
    }

    NDManager manager() {
        return manager;
    }

    public CpcEncoderConfig config() {
        return config;
    }

    public int windowSamples() {
        return windowSamples;
    }

}
