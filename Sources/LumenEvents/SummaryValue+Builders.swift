import Foundation

extension Summary.Value {
    /// A scalar: `simple_value`, a 32-bit float, which every TensorBoard loader reads.
    public static func scalar(tag: String, value: Float) -> Summary.Value {
        var summaryValue = Summary.Value()
        summaryValue.tag = tag
        summaryValue.simpleValue = value
        return summaryValue
    }

    /// A histogram, as the legacy `histo` field holds it.
    public static func histogram(tag: String, histogram: HistogramProto) -> Summary.Value {
        var summaryValue = Summary.Value()
        summaryValue.tag = tag
        summaryValue.histo = histogram
        return summaryValue
    }

    /// An encoded image (PNG) of `width`×`height` pixels of `channels` channels (1, 3 or 4).
    public static func image(tag: String, encoded: [UInt8], width: Int, height: Int, channels: Int) -> Summary.Value {
        var image = Summary.Image()
        image.width = Int32(clamping: width)
        image.height = Int32(clamping: height)
        image.colorspace = Int32(clamping: channels)
        image.encodedImageString = Data(encoded)
        var summaryValue = Summary.Value()
        summaryValue.tag = tag
        summaryValue.image = image
        return summaryValue
    }

    /// Markdown text for TensorBoard's text plugin: a string tensor of shape `[1]` with plugin
    /// `text`. `tag` is used as given (``SummaryWriter`` appends `/text_summary`, as PyTorch does).
    public static func text(tag: String, markdown: String) -> Summary.Value {
        var tensor = TensorProto()
        tensor.dtype = .dtString
        tensor.stringVal = [Data(markdown.utf8)]
        var dimension = TensorShapeProto.Dim()
        dimension.size = 1
        tensor.tensorShape.dim = [dimension]
        var summaryValue = Summary.Value()
        summaryValue.tag = tag
        summaryValue.metadata = SummaryMetadata.plugin(name: "text")
        summaryValue.tensor = tensor
        return summaryValue
    }
}

extension SummaryMetadata {
    /// Metadata naming the plugin that owns a summary, with the plugin's `content`.
    public static func plugin(name: String, content: Data = Data()) -> SummaryMetadata {
        var metadata = SummaryMetadata()
        metadata.pluginData.pluginName = name
        metadata.pluginData.content = content
        return metadata
    }
}

extension Summary {
    /// A summary of `values`.
    public init(values: [Summary.Value]) {
        self.init()
        self.value = values
    }
}
