// A server restored from a backup and the laptops that knew it before: what each kind of laptop
// does on its first sync with the restored server (see protocol.h on restores).
