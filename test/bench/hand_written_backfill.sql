-- What a DBA writes by hand: a procedure that fills the column by primary-key
-- keyset and commits every batch_size rows.
CREATE PROCEDURE fill_by_hand(batch_size integer)
LANGUAGE plpgsql AS $$
DECLARE
    last_aid integer := 0;
    upper_aid integer;
BEGIN
    LOOP
        SELECT aid INTO upper_aid FROM bench WHERE aid > last_aid ORDER BY aid OFFSET batch_size - 1 LIMIT 1;
        IF upper_aid IS NULL THEN
            UPDATE bench SET abalance_cents = abalance::bigint * 100
             WHERE aid > last_aid AND abalance_cents IS NULL;
            COMMIT;
            RETURN;
        END IF;
        UPDATE bench SET abalance_cents = abalance::bigint * 100
         WHERE aid > last_aid AND aid <= upper_aid AND abalance_cents IS NULL;
        COMMIT;
        last_aid := upper_aid;
    END LOOP;
END
$$;
