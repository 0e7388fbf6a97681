package io.contrastream.flink.operator;

import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.config.JobParams;
import io.contrastream.flink.model.DecodedImage;
import io.contrastream.flink.model.TrainingExample;
import io.contrastream.model.augment.audio.LogMelView;
import io.contrastream.model.augment.image.Image;
import io.contrastream.model.augment.image.ViewGenerator;
import io.contrastream.model.method.RecipeParams;
import io.contrastream.model.util.Rng;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.metrics.Counter;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the training views of each record with the recipe's augmentation. The views depend only
 * on (seed, record id, view), never on the subtask or arrival order, so a replay after a failure
 * produces the same pixels.
 *
 * <pre>{@code
 * DataStream<TrainingExample> examples = images.flatMap(new AugmentFunction(cfg));
 * }</pre>
 *
 * <p>CMC with the audio view: view 1 is {@code LogMelView.augmented(audio, Rng.of(seed, id, 1))} of the
 * record's 16 kHz audio (1 x 32 x 32, in {@code viewShapes}). A record without audio gives no training
 * example then (it is still embedded: the embedders read the decoded stream); it is counted in the
 * metric {@code recordsWithoutAudio} and the first one is logged.
 */
public class AugmentFunction extends RichFlatMapFunction<DecodedImage, TrainingExample> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(AugmentFunction.class);
    private final JobConfig cfg;
    private transient ViewGenerator views;
    private transient int viewCount;
    private transient int audioView;
    private transient long seed;
    private transient Counter withoutAudio;
    private transient boolean loggedWithoutAudio;

    public AugmentFunction(JobConfig cfg) {
        this.cfg = cfg;
    }

    @Override
    public void open(OpenContext ctx) {
        views = new ViewGenerator(cfg.spec().viewAugmentations(cfg.recipeParams(), cfg.encoderConfig()),
                cfg.get(RecipeParams.SEED));
        viewCount = cfg.spec().viewCount(cfg.recipeParams());
        audioView = cfg.spec().audioView(cfg.recipeParams());
        seed = cfg.get(RecipeParams.SEED);
        withoutAudio = counter("recordsWithoutAudio");
    }

    /** A metric of this subtask; null when the function runs outside a job (unit tests call open(null)). */
    private Counter counter(String name) {
        try {
            return getRuntimeContext().getMetricGroup().counter(name);
        } catch (IllegalStateException noRuntimeContext) {
            return null;
        }
    }

    @Override
    public void flatMap(DecodedImage in, Collector<TrainingExample> out) {
        TrainingExample ex = map(in);
        if (ex != null) {
            out.collect(ex);
        }
    }

    /** The record's training example, or null when the method needs audio and the record has none. */
    public TrainingExample map(DecodedImage in) {
        if (audioView >= 0 && in.audio == null) {
            if (withoutAudio != null) {
                withoutAudio.inc();
            }
            if (!loggedWithoutAudio) {
                loggedWithoutAudio = true;
                LOG.warn("record {} carries no audio: {} with an audio view ({}) trains on image + audio pairs only, so"
                        + " it is embedded but not trained on (counted in recordsWithoutAudio; logged once)", in.recordId,
                        cfg.method(), cfg.recipeParams().asMap());
            }
            return null;
        }
        Image img = in.image();
        TrainingExample ex = new TrainingExample();
        ex.modelId = cfg.get(JobParams.MODEL_ID);
        ex.recordId = in.recordId;
        ex.instanceId = instanceId(in.recordId);
        ex.viewCount = viewCount;
        ex.channels = img.channels;
        ex.height = img.height;
        ex.width = img.width;
        Image[] out = new Image[viewCount];
        int total = 0;
        boolean uniform = true;
        for (int v = 0; v < viewCount; v++) {
            out[v] = v == audioView
                    ? new Image(LogMelView.SHAPE[0], LogMelView.SHAPE[1], LogMelView.SHAPE[2],
                            LogMelView.augmented(in.audio, Rng.of(seed, ex.instanceId, v))) // 1 x 32 x 32
                    : views.view(img, ex.instanceId, v);
            total += out[v].data.length;
            uniform &= out[v].channels == img.channels && out[v].height == img.height && out[v].width == img.width;
        }
        ex.views = new float[total];
        ex.viewShapes = uniform ? null : new int[3 * viewCount]; // multi-crop: small crops have their own shape
        int at = 0;
        for (int v = 0; v < viewCount; v++) {
            System.arraycopy(out[v].data, 0, ex.views, at, out[v].data.length);
            at += out[v].data.length;
            if (!uniform) {
                ex.viewShapes[3 * v] = out[v].channels;
                ex.viewShapes[3 * v + 1] = out[v].height;
                ex.viewShapes[3 * v + 2] = out[v].width;
            }
        }
        return ex;
    }

    /** A stable 64-bit id of a record id (FNV-1a), the key of its augmentation stream. */
    public static long instanceId(String recordId) {
        long h = 0xcbf29ce484222325L;
        for (byte b : recordId.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xFF;
            h *= 0x100000001b3L;
        }
        return h;
    }
}
