-- The decision log tells a trunk's caps from a campaign's own (issue #13):
-- a contact that waited before its INVITE now says which, as
-- trunk_line_cap, trunk_cps_cap, campaign_line_cap or campaign_cps_cap.
-- Waits logged before this named the trunk's caps alone.
UPDATE decisions SET reason = 'trunk_' || reason
 WHERE decision = 'waited' AND reason IN ('line_cap', 'cps_cap');
