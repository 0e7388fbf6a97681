package io.contrastream.flink.operator;

import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.config.JobParams;
import io.contrastream.flink.model.DecodedImage;
import io.contrastream.model.method.RecipeParams;
import io.contrastream.model.util.Rng;
import org.apache.flink.api.common.functions.FilterFunction;

/**
 * Chooses which records the trainer sees when only a fraction of the stream is trained on
 * ({@code train-sample} &lt; 1); every record is still embedded. The choice depends only on
 * (seed, record id), so a replay after a failure trains on the same records.
 *
 * <pre>{@code
 * DataStream<DecodedImage> forTraining = images.filter(new TrainSampler(cfg));
 * }</pre>
 */
public class TrainSampler implements FilterFunction<DecodedImage> {
    private static final long serialVersionUID = 1L;
    private final double fraction;
    private final long seed;

    public TrainSampler(JobConfig cfg) {
        this.fraction = cfg.get(JobParams.TRAIN_SAMPLE);
        this.seed = cfg.get(RecipeParams.SEED);
    }

    @Override
    public boolean filter(DecodedImage in) {
        return fraction >= 1 || Rng.of(seed, AugmentFunction.instanceId(in.recordId), 0x5A).nextDouble() < fraction;
    }
}
