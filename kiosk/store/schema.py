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

#: Migration 0005: a collected hold forgets its patron, as a returned loan does
#: (privacy by default; kept only for a patron who opted in to a reading history).
#: SQLite cannot drop NOT NULL in place, so ``holds`` is rebuilt: new table, copy,
#: drop, rename, indexes again. Nothing references ``holds``, so the drop is safe with
#: foreign keys on. Open holds (waiting, ready) still need their patron.
HOLDS_FORGET_PATRON: tuple[str, ...] = (
    """
    CREATE TABLE holds_new (
        id INTEGER PRIMARY KEY,
        patron_id INTEGER REFERENCES patrons(id) ON DELETE CASCADE,
        biblio_id INTEGER REFERENCES biblios(id),
        item_id INTEGER REFERENCES items(id),
        status TEXT NOT NULL DEFAULT 'waiting'
            CHECK (status IN ('waiting', 'ready', 'collected', 'expired', 'cancelled')),
        pickup_location TEXT,
        shelf_location TEXT,
        placed_at TEXT NOT NULL,
        ready_at TEXT,
        expires_on TEXT,
        CHECK (biblio_id IS NOT NULL OR item_id IS NOT NULL),
        CHECK (patron_id IS NOT NULL OR status NOT IN ('waiting', 'ready'))
    )""",
    """INSERT INTO holds_new (id, patron_id, biblio_id, item_id, status, pickup_location,
         shelf_location, placed_at, ready_at, expires_on)
       SELECT h.id,
              CASE WHEN h.status = 'collected' AND NOT coalesce(
                  (SELECT keeps_history FROM patrons p WHERE p.id = h.patron_id), 0)
                   THEN NULL ELSE h.patron_id END,
              h.biblio_id, h.item_id, h.status, h.pickup_location, h.shelf_location,
              h.placed_at, h.ready_at, h.expires_on
       FROM holds h""",
    "DROP TABLE holds",
    "ALTER TABLE holds_new RENAME TO holds",
    "CREATE INDEX holds_patron ON holds(patron_id, status)",
    "CREATE INDEX holds_item ON holds(item_id, status)",
    "CREATE UNIQUE INDEX holds_ready_item ON holds(item_id) WHERE status = 'ready'",
    "CREATE INDEX holds_biblio ON holds(biblio_id, status)",
)

#: Migration 0007: store-and-forward for a networked backend (SIP2 now, the hub later).
#: An outbox entry goes pending -> sending (written before it is sent, so that after a
#: crash the backend knows it may have arrived and checks first) -> sent, or refused
#: (kept with the ILS's reason until staff resolve it). The offline card cache holds
#: what the last online sign-in returned, for cards seen within ``offline_card_days``:
#: never loans or history.
SIP2_OFFLINE: tuple[str, ...] = (
    "ALTER TABLE outbox ADD COLUMN target TEXT NOT NULL DEFAULT ''",
    """ALTER TABLE outbox ADD COLUMN state TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'sending', 'sent', 'refused', 'resolved'))""",
    "ALTER TABLE outbox ADD COLUMN reason TEXT",
    "ALTER TABLE outbox ADD COLUMN refused_at TEXT",
    "ALTER TABLE outbox ADD COLUMN resolved_at TEXT",
    "ALTER TABLE outbox ADD COLUMN resolved_by TEXT",
    "UPDATE outbox SET state = 'sent' WHERE sent_at IS NOT NULL",
    "CREATE INDEX outbox_open ON outbox(target, id) WHERE state IN ('pending', 'sending')",
    "CREATE INDEX outbox_refused ON outbox(target, id) WHERE state = 'refused'",
    """
    CREATE TABLE offline_cards (
        patron_ref TEXT PRIMARY KEY,
        card_key TEXT UNIQUE CHECK (card_key IS NULL OR card_key = upper(card_key)),
        card_number TEXT NOT NULL,
        name TEXT NOT NULL,
        language TEXT,
        pin_hash TEXT,
        seen_at TEXT NOT NULL
    )""",
    "CREATE INDEX offline_cards_number ON offline_cards(card_number)",
    "CREATE INDEX offline_cards_seen ON offline_cards(seen_at)",
)

#: Migration 0008: counters per local day, hour, action and detail; event attendance;
#: surveys. Counters stay anonymous aggregates: ``detail`` is a refusal's message key, a
#: feature used in a session or a language, never a patron or an item. Rows counted
#: before this migration keep their day and get ``hour`` NULL (not known).
USAGE_DETAIL: tuple[str, ...] = (
    """
    CREATE TABLE usage_counters_0008 (
        day TEXT NOT NULL,
        hour INTEGER CHECK (hour IS NULL OR hour BETWEEN 0 AND 23),
        action TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '',
        count INTEGER NOT NULL DEFAULT 0 CHECK (count >= 0)
    )""",
    """INSERT INTO usage_counters_0008 (day, hour, action, detail, count)
        SELECT day, NULL, action, '', count FROM usage_counters""",
    "DROP TABLE usage_counters",
    "ALTER TABLE usage_counters_0008 RENAME TO usage_counters",
    # The upsert's conflict target; NULL hours (old rows) are each their own key.
    "CREATE UNIQUE INDEX usage_counters_key ON usage_counters(day, hour, action, detail)",
    "CREATE INDEX usage_counters_action ON usage_counters(action, day)",
    # Attendance: a registered patron checked in at the event, or a walk-in checked in
    # without registering (a registration row made at the door, outside the capacity).
    "ALTER TABLE registrations ADD COLUMN attended_at TEXT",
    """ALTER TABLE registrations ADD COLUMN walk_in INTEGER NOT NULL DEFAULT 0
        CHECK (walk_in IN (0, 1))""",
    # Surveys: the definition as it was offered (so that results can be read after the
    # config moved on) and, while the survey runs, its salt.
    """
    CREATE TABLE surveys (
        id TEXT PRIMARY KEY,
        definition TEXT NOT NULL,
        starts_on TEXT NOT NULL,
        ends_on TEXT NOT NULL,
        salt BLOB
    )""",
    # Anonymous answers: a response has a day and nothing else; never joined with the
    # table below, which has no day, no time and no order (WITHOUT ROWID, keyed by hash).
    """
    CREATE TABLE survey_responses (
        id INTEGER PRIMARY KEY,
        survey_id TEXT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
        day TEXT NOT NULL
    )""",
    "CREATE INDEX survey_responses_survey ON survey_responses(survey_id, day)",
    """
    CREATE TABLE survey_answers (
        response_id INTEGER NOT NULL REFERENCES survey_responses(id) ON DELETE CASCADE,
        question TEXT NOT NULL,
        answer TEXT NOT NULL,
        PRIMARY KEY (response_id, question)
    )""",
    # "Never twice to the same card": salted hashes of the patrons a running survey was
    # offered to; emptied when the survey ends.
    """
    CREATE TABLE survey_offered (
        survey_id TEXT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
        card_hash BLOB NOT NULL,
        PRIMARY KEY (survey_id, card_hash)
    ) WITHOUT ROWID""",
)

#: Migration 0009: ``print_jobs`` as the printing records need it: one row per job a kiosk started,
#: open (no outcome) while it runs. No patron id: the booking links a job to its patron
#: while the booking exists. At most one open job per printer, held by the database.
PRINT_JOBS: tuple[str, ...] = (
    """
    CREATE TABLE print_jobs_new (
        id INTEGER PRIMARY KEY,
        resource_id TEXT NOT NULL REFERENCES resources(id),
        booking_id INTEGER REFERENCES bookings(id) ON DELETE SET NULL,
        kiosk_id TEXT NOT NULL,
        file_name TEXT NOT NULL,
        source TEXT NOT NULL DEFAULT 'host' CHECK (source IN ('usb', 'host')),
        outcome TEXT CHECK (outcome IN ('done', 'failed', 'cancelled', 'unknown')),
        started_at TEXT NOT NULL,
        ended_at TEXT,
        estimated_seconds INTEGER,
        filament_mm REAL,
        filament_g REAL,
        CHECK ((outcome IS NULL) = (ended_at IS NULL))
    )""",
    # Rows of the first schema (never written by a released kiosk) keep what fits.
    """
    INSERT INTO print_jobs_new (id, resource_id, booking_id, kiosk_id, file_name, outcome,
                                started_at, ended_at)
    SELECT id, resource_id, booking_id, '', file_name,
           CASE WHEN state IN ('done', 'failed', 'cancelled') THEN state ELSE 'unknown' END,
           COALESCE(started_at, created_at), COALESCE(finished_at, started_at, created_at)
    FROM print_jobs""",
    "DROP TABLE print_jobs",
    "ALTER TABLE print_jobs_new RENAME TO print_jobs",
    "CREATE INDEX print_jobs_started ON print_jobs(started_at)",
    "CREATE INDEX print_jobs_booking ON print_jobs(booking_id)",
    "CREATE UNIQUE INDEX print_jobs_one_open ON print_jobs(resource_id) WHERE ended_at IS NULL",
)

#: 0006: a booking that starts by itself at its start time, whatever its kind's
#: ``checkin`` says (``kiosk bookings create --staff --auto``).
EQUIPMENT_TRUTH: tuple[str, ...] = (
    "ALTER TABLE bookings ADD COLUMN auto_start INTEGER NOT NULL DEFAULT 0 "
    "CHECK (auto_start IN (0, 1))",
)

#: 0010: what staff must know about until they have dealt with it (:mod:`kiosk.alerts`):
#: one open row per (source, resource, key), repeats counted on it.
STAFF_ALERTS: tuple[str, ...] = (
    """
    CREATE TABLE staff_alerts (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL CHECK (source IN ('equipment', 'device')),
        resource TEXT NOT NULL DEFAULT '',
        key TEXT NOT NULL,
        raised_at TEXT NOT NULL,
        last_at TEXT NOT NULL,
        repeats INTEGER NOT NULL DEFAULT 1 CHECK (repeats >= 1),
        kiosk_id TEXT,
        closed_at TEXT,
        closed_by TEXT
    )""",
    """CREATE UNIQUE INDEX staff_alerts_one_open ON staff_alerts(source, resource, key)
       WHERE closed_at IS NULL""",
)

#: 0011: a staff override of a resource's power (:mod:`kiosk.booking.override`), kept
#: across a restart of the kiosk: one row per resource while it holds. ``until`` is the
#: next booking boundary (start or end) when it was set, NULL when none was booked.
STAFF_OVERRIDE: tuple[str, ...] = (
    """
    CREATE TABLE equipment_overrides (
        resource_id TEXT PRIMARY KEY,
        power INTEGER NOT NULL CHECK (power IN (0, 1)),
        set_at TEXT NOT NULL,
        until TEXT,
        CHECK (until IS NULL OR set_at < until)
    )""",
)
