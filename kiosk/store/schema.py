"""The schema of the first migration, as plain SQL.

Invariants live here where SQLite can hold them: unique card keys, card numbers and
item barcodes; at most one open loan per item; no overlapping bookings of one resource
(a trigger, so it holds across processes too). Money is whole rupiah (INTEGER).
Times are UTC text (see :mod:`kiosk.timeutil`); dates (``*_on``) are the library's
local calendar dates, ``YYYY-MM-DD``.
"""

#: Booking states that hold their slot.
HOLDING_BOOKING_STATES = "('booked', 'checked_in', 'active', 'ending')"

INITIAL: tuple[str, ...] = (
    """
    CREATE TABLE patron_groups (
        code TEXT PRIMARY KEY,
        name_id TEXT NOT NULL,
        name_en TEXT NOT NULL,
        is_staff INTEGER NOT NULL DEFAULT 0 CHECK (is_staff IN (0, 1))
    )""",
    """
    CREATE TABLE patrons (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        patron_group TEXT NOT NULL REFERENCES patron_groups(code),
        email TEXT,
        phone TEXT,
        expires_on TEXT,
        blocked INTEGER NOT NULL DEFAULT 0 CHECK (blocked IN (0, 1)),
        blocked_reason TEXT,
        pin_hash TEXT,
        pin_failures INTEGER NOT NULL DEFAULT 0,
        locked_until TEXT,
        keeps_history INTEGER NOT NULL DEFAULT 0 CHECK (keeps_history IN (0, 1)),
        preferences TEXT,
        trained_on TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX patrons_group ON patrons(patron_group)",
    """
    CREATE TABLE cards (
        id INTEGER PRIMARY KEY,
        patron_id INTEGER NOT NULL REFERENCES patrons(id) ON DELETE CASCADE,
        card_key TEXT UNIQUE,
        card_number TEXT UNIQUE,
        status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'lost', 'withdrawn')),
        CHECK (card_key IS NOT NULL OR card_number IS NOT NULL),
        CHECK (card_key IS NULL OR (card_key = upper(card_key) AND card_key <> ''))
    )""",
    "CREATE INDEX cards_patron ON cards(patron_id)",
    """
    CREATE TABLE biblios (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        authors TEXT,
        isbn TEXT,
        publisher TEXT,
        publish_year TEXT,
        language TEXT,
        call_number TEXT,
        topics TEXT
    )""",
    """
    CREATE TABLE items (
        id INTEGER PRIMARY KEY,
        barcode TEXT NOT NULL UNIQUE,
        biblio_id INTEGER REFERENCES biblios(id),
        title TEXT NOT NULL,
        authors TEXT,
        item_type TEXT NOT NULL DEFAULT 'book',
        call_number TEXT,
        location TEXT,
        status TEXT NOT NULL DEFAULT 'available'
            CHECK (status IN ('available', 'on_loan', 'on_hold_shelf', 'missing',
                              'damaged', 'withdrawn', 'in_transit')),
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX items_biblio ON items(biblio_id)",
    """
    CREATE TABLE loans (
        id INTEGER PRIMARY KEY,
        item_id INTEGER NOT NULL REFERENCES items(id),
        patron_id INTEGER REFERENCES patrons(id) ON DELETE SET NULL,
        checked_out_at TEXT NOT NULL,
        due_at TEXT NOT NULL,
        returned_at TEXT,
        renewals INTEGER NOT NULL DEFAULT 0,
        kiosk_id TEXT,
        CHECK (returned_at IS NOT NULL OR patron_id IS NOT NULL)
    )""",
    # At most one open loan per item: two kiosks cannot lend the same copy twice.
    "CREATE UNIQUE INDEX loans_open_item ON loans(item_id) WHERE returned_at IS NULL",
    "CREATE INDEX loans_patron_open ON loans(patron_id) WHERE returned_at IS NULL",
    """
    CREATE TABLE holds (
        id INTEGER PRIMARY KEY,
        patron_id INTEGER NOT NULL REFERENCES patrons(id) ON DELETE CASCADE,
        biblio_id INTEGER REFERENCES biblios(id),
        item_id INTEGER REFERENCES items(id),
        status TEXT NOT NULL DEFAULT 'waiting'
            CHECK (status IN ('waiting', 'ready', 'collected', 'expired', 'cancelled')),
        pickup_location TEXT,
        shelf_location TEXT,
        placed_at TEXT NOT NULL,
        ready_at TEXT,
        expires_on TEXT,
        CHECK (biblio_id IS NOT NULL OR item_id IS NOT NULL)
    )""",
    "CREATE INDEX holds_patron ON holds(patron_id, status)",
    "CREATE INDEX holds_item ON holds(item_id, status)",
    "CREATE UNIQUE INDEX holds_ready_item ON holds(item_id) WHERE status = 'ready'",
    """
    CREATE TABLE fines (
        id INTEGER PRIMARY KEY,
        patron_id INTEGER NOT NULL REFERENCES patrons(id) ON DELETE CASCADE,
        amount INTEGER NOT NULL CHECK (amount > 0),
        reason TEXT NOT NULL,
        item_barcode TEXT,
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX fines_patron ON fines(patron_id)",
    """
    CREATE TABLE payments (
        id INTEGER PRIMARY KEY,
        patron_id INTEGER NOT NULL REFERENCES patrons(id) ON DELETE CASCADE,
        amount INTEGER NOT NULL CHECK (amount > 0),
        paid_at TEXT NOT NULL,
        taken_by TEXT
    )""",
    "CREATE INDEX payments_patron ON payments(patron_id)",
    """
    CREATE TABLE resources (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        switch_url TEXT,
        printer_url TEXT,
        active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
    )""",
    """
    CREATE TABLE bookings (
        id INTEGER PRIMARY KEY,
        resource_id TEXT NOT NULL REFERENCES resources(id),
        patron_id INTEGER REFERENCES patrons(id) ON DELETE SET NULL,
        starts_at TEXT NOT NULL,
        ends_at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'booked'
            CHECK (status IN ('booked', 'checked_in', 'active', 'ending', 'completed',
                              'no_show', 'cancelled')),
        checked_in_at TEXT,
        created_at TEXT NOT NULL,
        created_by_staff INTEGER NOT NULL DEFAULT 0,
        CHECK (starts_at < ends_at)
    )""",
    "CREATE INDEX bookings_resource_time ON bookings(resource_id, starts_at)",
    "CREATE INDEX bookings_patron ON bookings(patron_id, starts_at)",
    # The database refuses an overlapping booking, whichever process writes it.
    f"""
    CREATE TRIGGER bookings_no_overlap_insert
    BEFORE INSERT ON bookings
    WHEN NEW.status IN {HOLDING_BOOKING_STATES}
    BEGIN
        SELECT RAISE(ABORT, 'booking.overlap')
        WHERE EXISTS (
            SELECT 1 FROM bookings b
            WHERE b.resource_id = NEW.resource_id
              AND b.status IN {HOLDING_BOOKING_STATES}
              AND b.starts_at < NEW.ends_at AND NEW.starts_at < b.ends_at
        );
    END""",
    f"""
    CREATE TRIGGER bookings_no_overlap_update
    BEFORE UPDATE OF starts_at, ends_at, status, resource_id ON bookings
    WHEN NEW.status IN {HOLDING_BOOKING_STATES}
    BEGIN
        SELECT RAISE(ABORT, 'booking.overlap')
        WHERE EXISTS (
            SELECT 1 FROM bookings b
            WHERE b.resource_id = NEW.resource_id AND b.id <> NEW.id
              AND b.status IN {HOLDING_BOOKING_STATES}
              AND b.starts_at < NEW.ends_at AND NEW.starts_at < b.ends_at
        );
    END""",
    """
    CREATE TABLE print_jobs (
        id INTEGER PRIMARY KEY,
        resource_id TEXT NOT NULL REFERENCES resources(id),
        booking_id INTEGER REFERENCES bookings(id),
        patron_id INTEGER REFERENCES patrons(id) ON DELETE SET NULL,
        file_name TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'queued'
            CHECK (state IN ('queued', 'uploading', 'printing', 'paused', 'done', 'failed',
                             'cancelled')),
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT
    )""",
    """
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        title_id TEXT NOT NULL,
        title_en TEXT NOT NULL,
        description_id TEXT,
        description_en TEXT,
        location TEXT,
        starts_at TEXT NOT NULL,
        ends_at TEXT NOT NULL,
        capacity INTEGER CHECK (capacity IS NULL OR capacity >= 0),
        cancelled INTEGER NOT NULL DEFAULT 0,
        CHECK (starts_at < ends_at)
    )""",
    "CREATE INDEX events_start ON events(starts_at)",
    """
    CREATE TABLE registrations (
        id INTEGER PRIMARY KEY,
        event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
        patron_id INTEGER NOT NULL REFERENCES patrons(id) ON DELETE CASCADE,
        registered_at TEXT NOT NULL,
        UNIQUE (event_id, patron_id)
    )""",
    """
    CREATE TABLE feedback (
        id INTEGER PRIMARY KEY,
        day TEXT NOT NULL,
        rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
        comment TEXT,
        language TEXT,
        kiosk_id TEXT
    )""",
    """
    CREATE TABLE usage_counters (
        day TEXT NOT NULL,
        action TEXT NOT NULL,
        count INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (day, action)
    )""",
    """
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        sent_at TEXT
    )""",
    "CREATE INDEX outbox_pending ON outbox(created_at) WHERE sent_at IS NULL",
)

#: Migration 0002: what the local circulation backend adds.
CIRCULATION_LOCAL: tuple[str, ...] = (
    # A copy the library keeps in the building whatever its item type (SLiMS "No Loan").
    """ALTER TABLE items ADD COLUMN not_for_loan INTEGER NOT NULL DEFAULT 0
        CHECK (not_for_loan IN (0, 1))""",
    # Title-level holds are filled by whichever copy comes back first.
    "CREATE INDEX holds_biblio ON holds(biblio_id, status)",
    "CREATE INDEX fines_item ON fines(item_barcode)",
    "CREATE INDEX registrations_patron ON registrations(patron_id)",
    # The patron groups the default loan rules name, so that a fresh database and a
    # SLiMS import (Umum, Pelajar, Anak, Staf) start from them.
    """INSERT OR IGNORE INTO patron_groups (code, name_id, name_en, is_staff) VALUES
        ('adult', 'Umum', 'Adult', 0), ('student', 'Pelajar', 'Student', 0),
        ('child', 'Anak', 'Child', 0), ('staff', 'Staf', 'Staff', 1)""",
)

#: Migration 0003: lookups the importer makes for every row (a record by ISBN or title).
IMPORT_INDEXES: tuple[str, ...] = (
    "CREATE INDEX biblios_isbn ON biblios(isbn)",
    "CREATE INDEX biblios_title ON biblios(title)",
)

#: Migration 0004: buffers between bookings, the scheduler's memory, fast overlap checks.
#: ``hold_until`` is the end of the booking plus the resource's buffer: the slot stays
#: held until then, so the next booking may start only after the buffer. The triggers
#: are replaced so that they compare against it; NULL (rows from before) means ends_at.
BOOKINGS_V2: tuple[str, ...] = (
    "ALTER TABLE bookings ADD COLUMN hold_until TEXT",
    "ALTER TABLE bookings ADD COLUMN ended_at TEXT",
    # The last "minutes left" warning published, so a restart does not repeat it.
    "ALTER TABLE bookings ADD COLUMN warned_minutes INTEGER",
    "ALTER TABLE bookings ADD COLUMN kiosk_id TEXT",
    "UPDATE bookings SET hold_until = ends_at WHERE hold_until IS NULL",
    # Only bookings that hold their slot: a small index however long the history grows.
    f"""CREATE INDEX bookings_holding ON bookings(resource_id, starts_at)
        WHERE status IN {HOLDING_BOOKING_STATES}""",
    "CREATE INDEX bookings_status_start ON bookings(status, starts_at)",
    "DROP TRIGGER bookings_no_overlap_insert",
    "DROP TRIGGER bookings_no_overlap_update",
    f"""
    CREATE TRIGGER bookings_no_overlap_insert
    BEFORE INSERT ON bookings
    WHEN NEW.status IN {HOLDING_BOOKING_STATES}
    BEGIN
        SELECT RAISE(ABORT, 'booking.overlap')
        WHERE EXISTS (
            SELECT 1 FROM bookings b
            WHERE b.resource_id = NEW.resource_id
              AND b.status IN {HOLDING_BOOKING_STATES}
              AND b.starts_at < COALESCE(NEW.hold_until, NEW.ends_at)
              AND NEW.starts_at < COALESCE(b.hold_until, b.ends_at)
        );
    END""",
    f"""
    CREATE TRIGGER bookings_no_overlap_update
    BEFORE UPDATE OF starts_at, ends_at, hold_until, status, resource_id ON bookings
    WHEN NEW.status IN {HOLDING_BOOKING_STATES}
    BEGIN
        SELECT RAISE(ABORT, 'booking.overlap')
        WHERE EXISTS (
            SELECT 1 FROM bookings b
            WHERE b.resource_id = NEW.resource_id AND b.id <> NEW.id
              AND b.status IN {HOLDING_BOOKING_STATES}
              AND b.starts_at < COALESCE(NEW.hold_until, NEW.ends_at)
              AND NEW.starts_at < COALESCE(b.hold_until, b.ends_at)
        );
    END""",
)


#: 0006: a booking that starts by itself at its start time, whatever its kind's
#: ``checkin`` says (``kiosk bookings create --staff --auto``).
EQUIPMENT_TRUTH: tuple[str, ...] = (
    "ALTER TABLE bookings ADD COLUMN auto_start INTEGER NOT NULL DEFAULT 0 "
    "CHECK (auto_start IN (0, 1))",
)
