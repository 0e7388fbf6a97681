package io.contrastream.flink.model;

/**
 * A published model version: the encoder's weights (bit-exact, {@code Recipe.exportEncoder()}),
 * broadcast from the trainer to every embedder, and where the version is stored.
 *
 * <pre>{@code
 * recipe.importEncoder(update.encoder);
 * }</pre>
 */
public class ModelUpdate {
    public String modelId;
    public long version;
    public long step;
    public double loss;
    public String uri;
    /** When the trainer published it (epoch ms): the embedders report the age of the version they use. */
    public long publishedAt;
    public byte[] encoder;

    public ModelUpdate() {}

    /** This version without its weights: what state keeps (the weights are read back from {@code uri}). */
    public ModelUpdate withoutEncoder() {
        ModelUpdate u = new ModelUpdate();
        u.modelId = modelId;
        u.version = version;
        u.step = step;
        u.loss = loss;
        u.uri = uri;
        u.publishedAt = publishedAt;
        return u;
    }
}
