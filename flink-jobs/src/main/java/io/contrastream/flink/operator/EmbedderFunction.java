package io.contrastream.flink.operator;

import io.contrastream.flink.job.JobConfig;
import io.contrastream.flink.job.JobParams;
import io.contrastream.flink.model.DecodedImage;
import io.contrastream.flink.model.EmbeddingRecord;
import io.contrastream.flink.model.ModelUpdate;
import io.contrastream.model.method.AbstractRecipe;
import io.contrastream.model.method.Recipes;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.streaming.api.functions.co.BroadcastProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Embeds every decoded record with the latest model version it has received by broadcast, and
 * stamps the version on the output. Before the first published version it uses version 0: the
 * seeded initial weights, which every embedder rebuilds identically from the configuration.
 *
 * <pre>{@code
 * BroadcastStream<ModelUpdate> bc = updates.broadcast(EmbedderFunction.VERSIONS);
 * DataStream<EmbeddingRecord> out = images.connect(bc).process(new EmbedderFunction(cfg));
 * }</pre>
 *
 * <p>The latest version is kept in broadcast state, so a restored embedder resumes with the version
 * it had. Inference runs with gradient recording off. Gauge {@code modelVersion}.
 */
public class EmbedderFunction extends BroadcastProcessFunction<DecodedImage, ModelUpdate, EmbeddingRecord> {
    private static final long serialVersionUID = 1L;
    public static final MapStateDescriptor<String, ModelUpdate> VERSIONS = new MapStateDescriptor<>("model-versions",
            Types.STRING, TypeInformation.of(ModelUpdate.class));

    private final JobConfig cfg;
    private transient AbstractRecipe model;
    private transient volatile long loadedVersion;

    public EmbedderFunction(JobConfig cfg) {
        this.cfg = cfg;
    }

    @Override
    public void open(OpenContext ctx) {
        model = Recipes.create(cfg.method(), cfg.recipeParams(), cfg.encoderConfig(), cfg.device());
        loadedVersion = 0;
        getRuntimeContext().getMetricGroup().gauge("modelVersion", (Gauge<Long>) () -> loadedVersion);
    }

    @Override
    public void processElement(DecodedImage in, ReadOnlyContext ctx, Collector<EmbeddingRecord> out) throws Exception {
        String modelId = cfg.get(JobParams.MODEL_ID);
        ModelUpdate latest = ctx.getBroadcastState(VERSIONS).get(modelId);
        if (latest != null && latest.version != loadedVersion) {
            model.importEncoder(latest.encoder);
            loadedVersion = latest.version;
        }
        EmbeddingRecord e = new EmbeddingRecord();
        e.recordId = in.recordId;
        e.source = in.source;
        e.eventTime = in.eventTime;
        e.modelId = modelId;
        e.modelVersion = loadedVersion;
        e.label = in.label;
        e.vector = model.embed(in.pixels, 1)[0];
        out.collect(e);
    }

    @Override
    public void processBroadcastElement(ModelUpdate update, Context ctx, Collector<EmbeddingRecord> out)
            throws Exception {
        ModelUpdate current = ctx.getBroadcastState(VERSIONS).get(update.modelId);
        if (current == null || update.version > current.version) {
            ctx.getBroadcastState(VERSIONS).put(update.modelId, update);
        }
    }

    @Override
    public void close() throws Exception {
        if (model != null) {
            model.close();
        }
        super.close();
    }
}
