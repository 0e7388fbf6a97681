package io.contrastream.flink.operator;

import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.model.AudioWindow;
import io.contrastream.model.encoder.audio.CpcEncoderConfig;
import io.contrastream.model.method.StepResult;
import io.contrastream.model.method.cpc.AudioBatch;
import io.contrastream.model.method.cpc.Cpc;
import io.contrastream.model.method.cpc.CpcParams;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * Trains CPC on audio windows, keyed by model id (windows of every stream are batched together),
 * and publishes a version to the model store and downstream every {@code publish-every} steps.
 *
 * <pre>{@code
 * DataStream<ModelUpdate> versions = windows.keyBy(w -> w.modelId)
 *         .transform("cpc-trainer", TypeInformation.of(ModelUpdate.class), new CpcTrainerOperator(cfg));
 * }</pre>
 *
 * <p>The whole training state ({@link Cpc#exportState()}: weights, Adam moments, step, RNG) goes to
 * a keyed value at each checkpoint, with the windows of the unfinished batch and the version counter,
 * so a restore resumes bit-exact. Gauges {@code modelVersion}, {@code trainingStep}, {@code loss},
 * {@code storeHealthy}, {@code lastPublishedVersion}; counters {@code skippedSteps} (the numerics guard;
 * {@code drill-nan-batches} exercises it) and {@code publishFailures}. A savepoint taken with other
 * cpc-channels, cpc-gru, cpc-steps, window-samples or optimizer is refused at restore, naming the setting.
 */
public class CpcTrainerOperator extends KeyedTrainerOperator<AudioWindow, float[], Cpc> {
    private static final long serialVersionUID = 1L;

    public CpcTrainerOperator(JobConfig cfg) {
        super(cfg, "cpc trainer", "cpc-state", "pending-windows");
    }

    @Override
    protected String modelId(AudioWindow in) {
        return in.modelId;
    }

    @Override
    protected float[] pending(AudioWindow in) {
        return in.samples;
    }

    @Override
    protected TypeInformation<float[]> pendingType() {
        return PrimitiveArrayTypeInfo.FLOAT_PRIMITIVE_ARRAY_TYPE_INFO;
    }

    @Override
    protected Cpc create() {
        return new Cpc(cfg.recipeParams(), cfg.device());
    }

    @Override
    protected long stepCount(Cpc model) {
        return model.stepCount();
    }

    @Override
    protected StepResult step(Cpc model, List<float[]> batch, boolean nan) {
        AudioBatch b = AudioBatch.of(batch.toArray(float[][]::new));
        if (nan) {
            Arrays.fill(b.samples(), Float.NaN);
        }
        return model.step(b);
    }

    @Override
    protected byte[] exportEncoder(Cpc model) {
        return model.exportEncoder();
    }

    @Override
    protected java.util.Map<String, String> encoderMetadata() {
        return servingMetadata(cfg);
    }

    /**
     * CPC's inference model of {@code cfg}: g_enc's strided convolutions ({@code kernels}, {@code strides},
     * {@code cpc_channels}) and g_ar's GRU (its width is {@code embedding_dim}, the context c_t, not normalised);
     * the W_k predictors ({@code cpc_steps} of them) are the tensors prefixed {@code 1.}. Input: mono windows of
     * 16 kHz samples in [-1, 1].
     */
    public static java.util.Map<String, String> servingMetadata(JobConfig cfg) {
        CpcEncoderConfig enc = CpcParams.encoderConfig(cfg.recipeParams());
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        out.put("method", Cpc.SPEC.name());
        out.put("architecture", "cpc-encoder");
        out.put("input_channels", "1");
        out.put("input_size", String.valueOf(cfg.recipeParams().get(CpcParams.WINDOW_SAMPLES)));
        out.put("input_layout", "N x 1 x samples float32, mono");
        out.put("input_preprocessing", "PCM samples scaled to [-1, 1], mixed to mono, resampled to 16000 Hz");
        out.put("kernels", join(enc.kernels()));
        out.put("strides", join(enc.strides()));
        out.put("cpc_channels", String.valueOf(enc.channels()));
        out.put("cpc_steps", String.valueOf(enc.predictionSteps()));
        out.put("embedding_dim", String.valueOf(enc.gruUnits()));
        out.put("metric", "cosine");
        out.put("seed", String.valueOf(cfg.recipeParams().get(io.contrastream.model.method.RecipeParams.SEED)));
        return out;
    }

    private static String join(int[] v) {
        return java.util.Arrays.stream(v).mapToObj(String::valueOf).collect(java.util.stream.Collectors.joining(","));
    }

    /** The CPC model's widths, prediction steps and window length, and the optimizer: they shape its state. */
    @Override
    protected java.util.Map<String, String> stateSettings() {
        java.util.Map<String, String> out = super.stateSettings();
        putRecipeSettings(out, "cpc-channels", "cpc-gru", "cpc-steps", "window-samples", "optimizer");
        return out;
    }

    @Override
    protected byte[] exportState(Cpc model) {
        return model.exportState();
    }

    @Override
    protected void importState(Cpc model, byte[] saved) {
        model.importState(saved);
    }
}
