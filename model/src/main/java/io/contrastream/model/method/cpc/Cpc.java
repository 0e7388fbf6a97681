package io.contrastream.model.method.cpc;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.contrastream.model.encoder.SeededInitializer;
import io.contrastream.model.encoder.audio.CpcEncoder;
import io.contrastream.model.encoder.audio.CpcEncoderConfig;
import io.contrastream.model.loss.CpcLoss;
import io.contrastream.model.method.AbstractRecipe;
import io.contrastream.model.method.RecipeParams;
import io.contrastream.model.method.StepResult;
import io.contrastream.model.optim.CosineSchedule;
import io.contrastream.model.optim.Optimizer;
import io.contrastream.model.optim.Optimizers;
import io.contrastream.model.param.Params;
import io.contrastream.model.state.ParameterIO;
import io.contrastream.model.util.Rng;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Contrastive Predictive Coding on raw 16 kHz audio (van den Oord, Li &amp; Vinyals 2018,
 * arXiv:1807.03748): g_enc (five strided Conv1d + ReLU) → z_t at 100 Hz, g_ar (GRU) → c_t, and for
 * k = 1..K a linear W_k (no bias) predicting z_{t+k} from c_t, trained with {@link CpcLoss}.
 *
 * <pre>{@code
 * try (Cpc cpc = new Cpc(CpcParams.defaults())) {
 *     StepResult s = cpc.step(new AudioBatch(windows, 8, 20480));
 *     float[][] c = cpc.context(wave);          // c_t per frame, T' x H
 *     CpcStreamer stream = cpc.newStreamer();    // chunk-by-chunk inference per audio stream
 * }
 * }</pre>
 *
 * <p>Standalone rather than an {@link AbstractRecipe} (that one builds an image encoder), with the
 * same guarantees and pieces: seeded initialisation ({@link SeededInitializer} over
 * {@code Rng.of(seed, 1)}), the step's random stream {@code Rng.of(seed, 2)} (the time negatives),
 * gradients zeroed before every step, the forward/backward under {@link AbstractRecipe#GRADIENT_LOCK},
 * the numerics guard (a non-finite loss or gradient skips the update, counted in
 * {@link #skippedSteps()}; there is no batch norm, so nothing else to undo), the same optimizers and
 * learning-rate schedule (lr × batch/256, warm-up, cosine or constant), and the same state layout
 * (magic "CSR1", name "cpc", step, skipped, RNG, the parameters of the encoder then of the
 * predictor, the optimizer). The exported "encoder" ({@link #exportEncoder()}) is the whole inference
 * model: g_enc, g_ar and the W_k, since a stream's product includes the predictions.
 */
public final class Cpc implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Cpc.class);
    private static final int STATE_MAGIC = 0x43535231; // "CSR1", as AbstractRecipe
    public static final String NAME = "cpc";

    private final Params params;
    private final CpcEncoderConfig config;
    private final NDManager manager;
    private final CpcEncoder encoder;
    private final Block predictor;
    private final CpcLoss loss;
    private final List<Parameter> trainableParams = new ArrayList<>();
    private final Optimizer optimizer;
    private final CosineSchedule schedule;
    private final int windowSamples;
    private Rng rng;
    private long step;
    private long skipped;

    public Cpc(Params params) {
        this(params, null);
    }

    /** @param device where the arrays live; null for DJL's default */
    public Cpc(Params params, Device device) {
        this.params = params;
        this.config = CpcParams.encoderConfig(params);
        this.windowSamples = params.get(CpcParams.WINDOW_SAMPLES);
        this.loss = new CpcLoss(config.predictionSteps(), params.get(CpcParams.CPC_NEGATIVES));
        if (config.frames(windowSamples) <= config.predictionSteps()) {
            throw new IllegalArgumentException("window-samples=" + windowSamples + " gives "
                    + config.frames(windowSamples) + " frames; CPC with K=" + config.predictionSteps() + " needs at least "
                    + config.samplesFor(config.predictionSteps() + 1) + " samples");
        }
        this.manager = device == null ? NDManager.newBaseManager() : NDManager.newBaseManager(device);
        long seed = params.get(RecipeParams.SEED);
        Rng initRng = Rng.of(seed, 1);
        this.rng = Rng.of(seed, 2);
        this.encoder = new CpcEncoder(config);
        encoder.setInitializer(new SeededInitializer(initRng.split()), Parameter.Type.WEIGHT);
        encoder.initialize(manager, DataType.FLOAT32, new Shape(2, 1, config.receptiveField()));
        this.predictor = Linear.builder().setUnits((long) config.predictionSteps() * config.channels()).optBias(false)
                .build(); // weight: (K·C) x H, rows k·C .. (k+1)·C − 1 are W_{k+1}
        predictor.setInitializer(new SeededInitializer(initRng.split()), Parameter.Type.WEIGHT);
        predictor.initialize(manager, DataType.FLOAT32, new Shape(2, config.gruUnits()));
        for (Block b : List.of(encoder, predictor)) {
            b.getParameters().values().stream().filter(Parameter::requiresGradient).forEach(trainableParams::add);
        }
        this.optimizer = Optimizers.create(params, manager);
        this.schedule = Optimizers.schedule(params);
    }

    /**
     * One training step on N windows (any N ≥ 1; N − 1 same-time negatives come from the batch, so
     * use N ≥ 2). The windows' length must give more than K frames.
     */
    public StepResult step(AudioBatch batch) {
        int n = batch.size();
        int frames = config.frames(batch.length());
        if (frames <= config.predictionSteps()) {
            throw new IllegalArgumentException("windows of " + batch.length() + " samples give " + frames
                    + " frames; K=" + config.predictionSteps() + " needs at least "
                    + config.samplesFor(config.predictionSteps() + 1));
        }
        float lr = schedule.at(step);
        int[] negatives = loss.sampleNegatives(rng, n, frames);
        synchronized (AbstractRecipe.GRADIENT_LOCK) {
            boolean wasRecording = JniUtils.isGradMode();
            JniUtils.setGradMode(false);
            try (NDManager sm = manager.newSubManager()) {
                for (Parameter p : trainableParams) {
                    JniUtils.zeroGrad((PtNDArray) p.getArray());
                }
                NDArray value;
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    value = loss(sm, batch, frames, negatives);
                    gc.backward(value);
                }
                float v = value.getFloat();
                if (!Float.isFinite(v) || !gradientsFinite(sm)) {
                    skipped++;
                    LOG.warn("{}: non-finite loss {} or gradient at step {}: update skipped ({} so far)", NAME, v, step,
                            skipped);
                    return new StepResult(step, v, lr, true);
                }
                optimizer.step(trainableParams, lr);
                step++;
                return new StepResult(step, v, lr, false);
            } finally {
                JniUtils.setGradMode(wasRecording);
            }
        }
    }

    private NDArray loss(NDManager sm, AudioBatch batch, int frames, int[] negatives) {
        int n = batch.size();
        ParameterStore ps = new ParameterStore(sm, false);
        NDArray x = sm.create(batch.samples(), new Shape(n, 1, batch.length())); // x: N x 1 x T
        NDList out = encoder.forward(ps, new NDList(x), true);
        NDArray z = out.get(0).transpose(0, 2, 1); // z: N x T' x C
        NDArray c = out.get(1); // c: N x T' x H
        NDArray pred = predictor.forward(ps, new NDList(c), true).singletonOrThrow()
                .reshape(n, frames, config.predictionSteps(), config.channels()); // N x T' x K x C
        return loss.compute(z, pred, negatives);
    }

    private boolean gradientsFinite(NDManager sm) {
        NDArray total = sm.zeros(new Shape());
        for (Parameter p : trainableParams) {
            NDArray g = p.getArray().getGradient();
            g.attach(sm);
            total = total.add(g.sum());
        }
        return Float.isFinite(total.getFloat());
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

    public Params params() {
        return params;
    }

    public String name() {
        return NAME;
    }

    public int windowSamples() {
        return windowSamples;
    }

    public long stepCount() {
        return step;
    }

    public long skippedSteps() {
        return skipped;
    }

    /** The learning rate the next step will use. */
    public float currentLr() {
        return schedule.at(step);
    }

    /** Every piece of training state, in AbstractRecipe's layout. */
    public byte[] exportState() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(STATE_MAGIC);
            out.writeUTF(NAME);
            out.writeLong(step);
            out.writeLong(skipped);
            out.writeLong(rng.state());
            ParameterIO.write(encoder, out);
            ParameterIO.write(predictor, out);
            optimizer.writeState(out);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Restores {@link #exportState()} of a recipe with the same configuration. */
    public void importState(byte[] state) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(state));
            if (in.readInt() != STATE_MAGIC) {
                throw new IOException("not a contrastream recipe state");
            }
            String method = in.readUTF();
            if (!method.equals(NAME)) {
                throw new IOException("state of method '" + method + "' cannot be imported into '" + NAME + "'");
            }
            long s = in.readLong();
            long sk = in.readLong();
            Rng r = Rng.fromState(in.readLong());
            synchronized (AbstractRecipe.GRADIENT_LOCK) {
                boolean was = JniUtils.isGradMode();
                JniUtils.setGradMode(false);
                try {
                    ParameterIO.read(encoder, in);
                    ParameterIO.read(predictor, in);
                } finally {
                    JniUtils.setGradMode(was);
                }
            }
            optimizer.readState(in);
            step = s;
            skipped = sk;
            rng = r;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot import " + NAME + " state: " + e.getMessage(), e);
        }
    }

    /** The inference model's weights: g_enc and g_ar, then the W_k. */
    public byte[] exportEncoder() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            ParameterIO.write(encoder, out);
            ParameterIO.write(predictor, out);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Loads weights written by {@link #exportEncoder()} of the same configuration. */
    public void importEncoder(byte[] weights) {
        boolean was = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(weights));
            ParameterIO.read(encoder, in);
            ParameterIO.read(predictor, in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load CPC weights: " + e.getMessage(), e);
        } finally {
            JniUtils.setGradMode(was);
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
