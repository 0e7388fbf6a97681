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
    private static final int VIEWS = 2;
    private final JobConfig cfg;
    private transient ViewGenerator views;

    public AugmentFunction(JobConfig cfg) {
        this.cfg = cfg;
    }

    @Override
    public void open(OpenContext ctx) {
        views = new ViewGenerator(Recipes.viewAugmentations(cfg.method(), cfg.recipeParams(), cfg.encoderConfig()),
                cfg.get(RecipeParams.SEED));
    }

    @Override
    public TrainingExample map(DecodedImage in) {
        Image img = in.image();
        TrainingExample ex = new TrainingExample();
        ex.modelId = cfg.get(JobParams.MODEL_ID);
        ex.recordId = in.recordId;
        ex.instanceId = instanceId(in.recordId);
        ex.viewCount = VIEWS;
        ex.channels = img.channels;
        ex.height = img.height;
        ex.width = img.width;
        int n = img.data.length;
        ex.views = new float[VIEWS * n];
        for (int v = 0; v < VIEWS; v++) {
            System.arraycopy(views.view(img, ex.instanceId, v).data, 0, ex.views, v * n, n);
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
