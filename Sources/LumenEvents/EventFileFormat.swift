/// Constants of the tfevents format shared by writers and readers.
public enum EventFileFormat {
    /// The `file_version` string the first event of every event file carries.
    public static let fileVersion = "brain.Event:2"
}
