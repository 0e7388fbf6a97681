package io.contrastream.flink.operator;

import io.contrastream.flink.job.JobConfig;
import io.contrastream.flink.job.JobParams;
import io.contrastream.flink.model.DecodedImage;
import io.contrastream.flink.model.TrainingExample;
import io.contrastream.model.augment.image.Image;
import io.contrastream.model.augment.image.ViewGenerator;
import io.contrastream.model.method.RecipeParams;
import io.contrastream.model.method.Recipes;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;

/**
 * Builds the training views of each record with the recipe's augmentation. The views depend only
 * on (seed, record id, view), never on the subtask or arrival order, so a replay after a failure
 * produces the same pixels.
 *
 * <pre>{@code
 * DataStream<TrainingExample> examples = images.map(new AugmentFunction(cfg));
 * }</pre>
 */
public class AugmentFunction extends RichMapFunction<DecodedImage, TrainingExample> {
    private static final long serialVersionUID = 1L;
    private final JobConfig cfg;
    private transient ViewGenerator views;
    private transient int viewCount;

    public AugmentFunction(JobConfig cfg) {
        this.cfg = cfg;
    }

    @Override
    public void open(OpenContext ctx) {
        views = new ViewGenerator(Recipes.viewAugmentations(cfg.method(), cfg.recipeParams(), cfg.encoderConfig()),
                cfg.get(RecipeParams.SEED));
        viewCount = Recipes.viewCount(cfg.method(), cfg.recipeParams());
    }

    @Override
    public TrainingExample map(DecodedImage in) {
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
            out[v] = views.view(img, ex.instanceId, v);
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
