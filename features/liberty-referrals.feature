Feature: LIBERTY Dental Plan referral workflows
  Verifies the "liberty-referrals" pack against the "Standard Referral Workflow" and the
  "Emergency Referral (ER)" calls and faxed workflows (source document 003_d193abaf51f237db.txt):
  mail sorted and triaged in 1 to 2 days, dental consultant review in 1 day, processing within 5
  calendar days of receipt, the referral letter mailed in 2 days; an emergency by telephone is
  handled within the same call, one by fax or email processed within 24 hours of receipt.

  Times are Sacramento time (America/Los_Angeles); daylight saving time began on Sunday 10 March
  2013 at 02:00. Every expected date was counted by hand on a calendar.

  Background:
    Given the policy "liberty-referrals"

  Scenario: A standard referral by mail (reading: days are calendar days)
    Given a referral received by mail on Tuesday 5 March 2013 at 09:00 -08:00
    And the record's "emergency" is false
    When the record is evaluated as of Friday 8 March 2013 at 12:00 -08:00
    Then the record is classified as standard
    And the record gets triage, consultant_review, process_referral, mail_referral_letter
    # 5 March + 2 calendar days = Thursday 7 March; target 5 + 1 = Wednesday 6 March
    And the triage is due on Thursday 7 March 2013 at 23:59:59 -08:00
    And the triage target is Wednesday 6 March 2013 at 23:59:59 -08:00
    # not triaged yet: review 1 day after triage's due date = Friday 8 March
    And the consultant review is due on Friday 8 March 2013
    # 5 March + 5 = Sunday 10 March (PDT from 02:00 that day)
    And the process referral is due on Sunday 10 March 2013 at 23:59:59 -07:00
    # 10 March + 2 = Tuesday 12 March
    And the mail referral letter is due on Tuesday 12 March 2013
    And the triage is overdue

  Scenario: An emergency referral by telephone is handled on the call
    Given a referral received by telephone on Tuesday 5 March 2013 at 09:00 -08:00
    And the record's "emergency" is true
    When the record is evaluated
    Then the record is classified as emergency phone
    And the record gets process_referral
    And the process referral is due on Tuesday 5 March 2013 at 09:00 -08:00

  Scenario: An emergency referral by fax across the change to daylight saving time (reading: elapsed hours)
    Given a referral received by fax on Saturday 9 March 2013 at 10:00 -08:00
    And the record's "emergency" is true
    When the record is evaluated
    Then the record is classified as emergency written
    # 24 elapsed hours: Sunday 10 March 10:00 PDT would be 23 hours; the clock reads 11:00 PDT
    And the process referral is due on Sunday 10 March 2013 at 11:00 -07:00

  Scenario: An emergency referral by email is processed within 24 hours
    Given a referral received by email on Tuesday 5 March 2013 at 09:00 -08:00
    And the record's "emergency" is true
    And a "processed" event on Wednesday 6 March 2013 at 08:00 -08:00
    When the record is evaluated
    Then the record is classified as emergency written
    And the process referral is done

  Scenario: An emergency referral by mail follows the standard workflow (reading: no emergency workflow for mail)
    Given a referral received by mail on Tuesday 5 March 2013 at 09:00 -08:00
    And the record's "emergency" is true
    When the record is evaluated
    Then the record is classified as standard
    And a warning mentions "emergency referral by mail"
