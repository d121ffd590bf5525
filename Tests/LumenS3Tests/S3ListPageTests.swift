import Testing

@testable import LumenS3

/// Decoding `ListObjectsV2` answers (the cases fuzz/run s3list checks, and what it found).
struct S3ListPageTests {
    /// An answer as S3 writes it: a namespace on the root, escaped keys and quoted ETags, a
    /// continuation token.
    @Test func readsAPageAsS3WritesIt() {
        let page = S3ListPage(
            xml: """
                <?xml version="1.0" encoding="UTF-8"?>
                <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>logs</Name>\
                <IsTruncated>true</IsTruncated><NextContinuationToken>1ueGcx/wm3=</NextContinuationToken>\
                <Contents><Key>runs/a &amp; b/events.out.tfevents.1</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified>\
                <ETag>&quot;9b2c&quot;</ETag><Size>4096</Size></Contents>\
                <Contents><Key>runs/c/events.out.tfevents.2.gz</Key><ETag>"d41d-2"</ETag><Size>0</Size></Contents>\
                <Contents><Key>no size</Key></Contents><Contents><Key>negative</Key><Size>-1</Size></Contents>\
                </ListBucketResult>
                """)
        #expect(
            page.objects == [
                S3Object(
                    key: "runs/a & b/events.out.tfevents.1", size: 4096, etag: "\"9b2c\"",
                    lastModified: "2026-01-01T00:00:00.000Z"),
                S3Object(key: "runs/c/events.out.tfevents.2.gz", size: 0, etag: "\"d41d-2\"", lastModified: ""),
            ])
        #expect(page.continuationToken == "1ueGcx/wm3=")
        #expect(
            S3ListPage(xml: "<IsTruncated>true</IsTruncated><NextContinuationToken></NextContinuationToken>")
                .continuationToken == nil)
    }

    /// A key with a Unicode "prepend" mark (U+0603) before an escaped character: Swift joins the mark
    /// and the `&` that follows into one character, so a search by character missed the reference
    /// (found by fuzz/run s3list). Escaping and reading back must give the key unchanged.
    @Test func keysWithPrependMarksRoundTrip() {
        for key in ["e\u{603}<fevents", "\u{600}&amp;", "a\u{605}\"b\u{603}>c", "\u{603}&#x41;"] {
            #expect(S3XML.unescape(S3XML.escape(key)) == key)
            let page = S3ListPage(xml: "<Contents><Key>\(S3XML.escape(key))</Key><Size>1</Size></Contents>")
            #expect(page.objects.map(\.key) == [key])
        }
        #expect(S3XML.unescape("\u{603}&lt;&#x41;&#66;&bogus;&") == "\u{603}<AB&bogus;&")
    }
}
