Feature: Luxor Dental Plans, Inc. grievance policy
  Verifies the "luxor" policy pack against Luxor Dental Plans, Inc. (Houston, Texas) Grievance
  Policy (source document 004_ef56c9d8f10067a0.txt): the 180 calendar-day filing window, the
  written acknowledgement within five business days, resolution and written response within
  thirty business days, telephone grievances resolved by the close of the next business day
  (logged instead of answered in writing), misinformation that is promptly corrected, help with
  the state licensing agency, language and disability assistance, five-year record retention and
  the contents of the written record.

  Times are Houston time (America/Chicago). Business days are Monday to Friday except US federal
  holidays; close of business is 5 p.m. Every expected date below was counted by hand on a
  calendar; the comments show the count. A scenario whose title says "(reading: ...)" checks the
  pack's reading of the policy, not its words.

  Holidays met below: Thanksgiving Thursday 28 November 2024, Christmas Wednesday 25 December
  2024, New Year's Day Wednesday 1 January 2025, Martin Luther King Jr. Day Monday 20 January
  2025 and Memorial Day Monday 26 May 2025.

  Background:
    Given the policy "luxor"

  Scenario: A mailed grievance received the Friday before Thanksgiving (the example in the contract)
    Given a grievance received by mail on Friday 22 November 2024 at 10:00 -06:00
    And the incident happened on Friday 22 November 2024
    When the grievance is evaluated
    Then it is recorded as received on Friday 22 November 2024 at 10:00 -06:00
    And the grievance is classified as a formal grievance
    And it is handled by the plan
    And it was filed on time
    # 22 November 2024 + 180 calendar days: 8 days to 30 Nov, +31 Dec, +31 Jan, +28 Feb,
    # +31 Mar, +30 Apr (= 159 days to 30 April 2025), +21 = 21 May 2025
    And the filing deadline is Wednesday 21 May 2025
    # 5 business days: Mon 25 (1), Tue 26 (2), Wed 27 (3), Thanksgiving Thu 28 skipped,
    # Fri 29 (4), weekend, Mon 2 Dec (5)
    And the written acknowledgement is due on Monday 2 December 2024 at 23:59:59 -06:00
    # 30 business days: 25-27 Nov (3), 29 Nov (4), 2-6 Dec (9), 9-13 Dec (14), 16-20 Dec (19),
    # 23-24 Dec (21), Christmas skipped, 26-27 Dec (23), 30-31 Dec (25), New Year's Day skipped,
    # 2-3 Jan (27), Mon 6 (28), Tue 7 (29), Wed 8 Jan (30)
    And the resolution and written response is due on Wednesday 8 January 2025
    And the action to retain the grievance records has no due date
    And the telephone grievance log is not required

  Scenario: A formal grievance requires the acknowledgement, the response and record retention
    Given a grievance received by fax on Monday 2 December 2024 at 09:00
    And the concern is quality of care
    And the member needs language assistance
    And the record is complete
    When the grievance is evaluated
    Then the grievance is classified as formal
    # acknowledgement: Tue 3 (1), Wed 4 (2), Thu 5 (3), Fri 6 (4), Mon 9 Dec (5)
    # response: 3-6 Dec (4), 9-13 (9), 16-20 (14), 23-24 (16), Christmas skipped, 26-27 (18),
    # 30-31 (20), New Year's Day skipped, 2-3 Jan (22), 6-10 Jan (27), 13-15 Jan (30)
    And the required actions are:
      | action                                                   | due                          |
      | written acknowledgement to the enrollee                  | Monday 9 December 2024       |
      | resolution and written response                          | Wednesday 15 January 2025 at 23:59:59 |
      | help the enrollee identify and contact the state licensing agency | no due date         |
      | language or disability assistance                        | no due date                  |
      | retain the grievance records for five years              | no due date                  |
    And there are no warnings

  Scenario Outline: The written acknowledgement is due five business days after receipt, holidays skipped (reading: business days skip weekends and US federal holidays)
    Given a grievance received by mail on <received>
    When the grievance is evaluated
    Then the written acknowledgement is due on <acknowledgement due>

    Examples:
      | received                            | acknowledgement due        |
      # Fri 22 Nov: Mon 25, Tue 26, Wed 27, (Thanksgiving), Fri 29, Mon 2 Dec
      | Friday 22 November 2024 at 10:00    | Monday 2 December 2024     |
      # Wed 27 Nov: (Thanksgiving), Fri 29, Mon 2, Tue 3, Wed 4, Thu 5 Dec
      | Wednesday 27 November 2024 at 16:00 | Thursday 5 December 2024   |
      # Saturday receipt counts on the Saturday (the policy is silent; same day): Mon 25, Tue 26,
      # Wed 27, (Thanksgiving), Fri 29, Mon 2 Dec
      | Saturday 23 November 2024 at 11:00  | Monday 2 December 2024     |
      # Fri 20 Dec: Mon 23, Tue 24, (Christmas), Thu 26, Fri 27, Mon 30 Dec
      | Friday 20 December 2024 at 10:00    | Monday 30 December 2024    |
      # Tue 24 Dec: (Christmas), Thu 26, Fri 27, Mon 30, Tue 31, (New Year's Day), Thu 2 Jan
      | Tuesday 24 December 2024 at 10:00   | Thursday 2 January 2025    |
      # Mon 30 Dec: Tue 31, (New Year's Day), Thu 2, Fri 3, Mon 6, Tue 7 Jan
      | Monday 30 December 2024 at 10:00    | Tuesday 7 January 2025     |

  Scenario: Thirty business days across Christmas, New Year and Martin Luther King Jr. Day
    Given a grievance received by mail on Friday 20 December 2024 at 10:00
    When the grievance is evaluated
    # Mon 23 (1), Tue 24 (2), (Christmas), Thu 26 (3), Fri 27 (4), Mon 30 (5), Tue 31 (6),
    # (New Year's Day), Thu 2 Jan (7), Fri 3 (8), 6-10 Jan (13), 13-17 Jan (18),
    # (Martin Luther King Jr. Day Mon 20 Jan), 21-24 Jan (22), 27-31 Jan (27), Mon 3 Feb (28),
    # Tue 4 (29), Wed 5 Feb (30)
    Then the resolution and written response is due on Wednesday 5 February 2025 at 23:59:59

  Scenario Outline: Filing is timely up to and including the 180th calendar day after the incident
    Given a grievance received by <channel> on <received>
    And the incident happened on <incident>
    When the grievance is evaluated
    Then the filing deadline is <last day>
    And it was filed <timeliness>

    Examples:
      | channel | incident                  | received                         | last day                  | timeliness |
      # 22 Nov 2024 + 180 days = 21 May 2025 (see the contract example)
      | mail    | Friday 22 November 2024   | Wednesday 21 May 2025 at 16:00   | Wednesday 21 May 2025     | on time    |
      | mail    | Friday 22 November 2024   | Thursday 22 May 2025 at 09:00    | Wednesday 21 May 2025     | late       |
      # 3 Jun 2024 + 180 days: 27 days to 30 Jun, +31 Jul, +31 Aug, +30 Sep, +31 Oct (= 150 to
      # 31 Oct), +30 = Saturday 30 Nov 2024; the last day stays on the Saturday
      | fax     | Monday 3 June 2024        | Saturday 30 November 2024 at 10:00 | Saturday 30 November 2024 | on time  |
      | fax     | Monday 3 June 2024        | Sunday 1 December 2024 at 10:00  | Saturday 30 November 2024 | late       |
      | fax     | Monday 3 June 2024        | Monday 2 December 2024 at 08:00  | Saturday 30 November 2024 | late       |

  Scenario: A grievance filed after the window is flagged and still handled (reading: a late grievance is flagged, not refused)
    Given a grievance received by mail on Thursday 22 May 2025 at 10:00
    And the incident happened on Friday 22 November 2024
    And the record is complete
    When the grievance is evaluated
    Then it was filed late
    And a warning mentions "filed more than 180 calendar days after the incident"
    And the grievance is classified as formal
    # Fri 23 (1), Memorial Day Mon 26 skipped, Tue 27 (2), Wed 28 (3), Thu 29 (4), Fri 30 May (5)
    And the written acknowledgement is due on Friday 30 May 2025

  Scenario: A grievance filed on the last day raises no late-filing warning
    Given a grievance received by mail on Wednesday 21 May 2025 at 16:00
    And the incident happened on Friday 22 November 2024
    And the record is complete
    When the grievance is evaluated
    Then it was filed on time
    And there are no warnings

  Scenario Outline: A telephone grievance resolved by close of the next business day (5 p.m.) is logged, not answered in writing (reading: the next business day is the first after the day of receipt, closing at 17:00)
    Given a grievance received by telephone on <received>
    And the grievance was resolved on <resolved>
    And the record is complete
    When the grievance is evaluated
    Then the grievance is classified as <classification>
    And the telephone grievance log is <log>
    And the written acknowledgement is <letters>
    And the resolution and written response is <letters>

    Examples:
      | received                            | resolved                            | classification | log          | letters      |
      # Friday receipt: the next business day is Monday 25 November; its close is 17:00
      | Friday 22 November 2024 at 15:00    | Monday 25 November 2024 at 16:59    | exempt         | required     | not required |
      | Friday 22 November 2024 at 15:00    | Monday 25 November 2024 at 17:00    | exempt         | required     | not required |
      | Friday 22 November 2024 at 15:00    | Monday 25 November 2024 at 17:01    | formal         | not required | required     |
      # a call after hours on Friday is still received on Friday: close of Monday
      | Friday 22 November 2024 at 20:00    | Monday 25 November 2024 at 16:59    | exempt         | required     | not required |
      # a call on Saturday: the next business day is Monday
      | Saturday 23 November 2024 at 11:00  | Monday 25 November 2024 at 16:00    | exempt         | required     | not required |
      # Wednesday before Thanksgiving: the next business day is Friday 29 November
      | Wednesday 27 November 2024 at 10:00 | Friday 29 November 2024 at 16:30    | exempt         | required     | not required |
      | Wednesday 27 November 2024 at 10:00 | Friday 29 November 2024 at 17:30    | formal         | not required | required     |
      # Christmas Eve: Christmas is skipped, the next business day is Thursday 26 December
      | Tuesday 24 December 2024 at 09:00   | Thursday 26 December 2024 at 16:59  | exempt         | required     | not required |
      | Tuesday 24 December 2024 at 09:00   | Thursday 26 December 2024 at 17:01  | formal         | not required | required     |

  Scenario: An unresolved telephone grievance is handled as formal while its clock runs (reading: formal until it is resolved by the close of the next business day)
    Given a grievance received by telephone on Friday 22 November 2024 at 15:00
    When the grievance is evaluated as of Friday 22 November 2024 at 16:00
    Then the grievance is classified as formal
    And the written acknowledgement is due on Monday 2 December 2024
    And the written acknowledgement is pending
    And the telephone grievance log is not required

  Scenario: The log entry of an exempt telephone grievance needs the complainant's name and identification number (reading: the complainant's name is the member's name)
    Given a grievance received by telephone on Monday 2 December 2024 at 09:00
    And the grievance was resolved on Monday 2 December 2024 at 11:00
    And the record gives the narrative and the representative's name
    When the grievance is evaluated
    Then the grievance is classified as exempt
    And the required actions are:
      | action                                             | due         |
      | log the telephone grievance                        | no due date |
      | retain the grievance records for five years        | no due date |
    And a warning mentions "the name of the complainant"
    And a warning mentions "Enrollee identification number"
    And no warning mentions "The name of the patient"

  Scenario Outline: A problem of misinformation corrected by the close of the next business day is not a complaint (reading: "promptly" is by the close of the next business day)
    Given a grievance received by <channel> on Monday 2 December 2024 at 09:00
    And the concerns are <concerns>
    And the grievance was resolved on <resolved>
    When the grievance is evaluated
    Then the grievance is classified as <classification>

    Examples:
      | channel   | concerns                             | resolved                          | classification  |
      # the next business day after Monday 2 December is Tuesday 3 December, close 17:00
      | mail      | misinformation                       | Tuesday 3 December 2024 at 16:00  | not a complaint |
      | mail      | misinformation                       | Tuesday 3 December 2024 at 17:30  | formal          |
      | telephone | misinformation                       | Tuesday 3 December 2024 at 16:00  | not a complaint |
      # any other concern makes it a complaint about that concern
      | mail      | misinformation and pricing or billing | Tuesday 3 December 2024 at 16:00 | formal          |
      | telephone | misinformation and sales process     | Tuesday 3 December 2024 at 16:00  | exempt          |

  Scenario: What is not a complaint is only kept on record
    Given a grievance received by mail on Monday 2 December 2024 at 09:00
    And the concern is misinformation
    And the grievance was resolved on Monday 2 December 2024 at 14:00
    And the record is complete
    When the grievance is evaluated
    Then the grievance is classified as not a complaint
    And the required actions are:
      | action                                       | due         |
      | retain the grievance records for five years  | no due date |
    And there are no warnings

  Scenario Outline: The acknowledgement and the response are pending, done or overdue as of a given moment
    Given a grievance received by mail on Friday 22 November 2024 at 10:00
    When the grievance is evaluated as of <as of>
    Then the written acknowledgement is <acknowledgement>
    And the resolution and written response is <response>

    Examples:
      | as of                                | acknowledgement | response |
      # acknowledgement due Monday 2 December 2024 at 23:59:59; response Wednesday 8 January 2025
      | Monday 2 December 2024 at 23:59      | pending         | pending  |
      | Tuesday 3 December 2024 at 00:00     | overdue         | pending  |
      | Wednesday 8 January 2025 at 23:59    | overdue         | pending  |
      | Thursday 9 January 2025 at 00:00     | overdue         | overdue  |

  Scenario: An acknowledgement sent in time is done, whatever the date of evaluation
    Given a grievance received by mail on Friday 22 November 2024 at 10:00
    And an "acknowledged" event on Tuesday 26 November 2024 at 11:00
    When the grievance is evaluated as of Thursday 9 January 2025 at 09:00
    Then the written acknowledgement is done
    And the written acknowledgement was done on Tuesday 26 November 2024 at 11:00
    And the resolution and written response is overdue

  Scenario: A grievance resolved in writing has its response done
    Given a grievance received by mail on Friday 22 November 2024 at 10:00
    And an "acknowledged" event on Tuesday 26 November 2024 at 11:00
    And the grievance was resolved on Monday 16 December 2024 at 15:00
    When the grievance is evaluated as of Monday 16 December 2024 at 16:00
    Then the grievance is classified as formal
    And the written acknowledgement is done
    And the resolution and written response is done
    And the resolution and written response was done on Monday 16 December 2024 at 15:00

  Scenario: A grievance received by e-mail is flagged, as the policy lists only mail, fax and telephone (reading: an unlisted channel is flagged, not refused)
    Given a grievance received by email on Monday 2 December 2024 at 09:00
    And the grievance was resolved on Tuesday 3 December 2024 at 10:00
    And the record is complete
    When the grievance is evaluated
    Then a warning mentions "grievances are filed by mail, fax or telephone"
    # not a telephone grievance, so it cannot be exempt even though resolved the next day
    And the grievance is classified as formal
    And the written acknowledgement is required

  Scenario: A member with a communicative impairment gets disability assistance
    Given a grievance received by telephone on Monday 2 December 2024 at 09:00
    And the member needs disability assistance
    When the grievance is evaluated
    Then the action to provide language or disability assistance has no due date

  Scenario Outline: A written grievance that does not give the required details is flagged item by item (reading: email and online forms are written communication too)
    Given a grievance received <channel> on Monday 2 December 2024 at 09:00
    When the grievance is evaluated
    Then a warning mentions "The name of the patient"
    And a warning mentions "The address ... of the Primary Enrollee"
    And a warning mentions "The ... telephone number ... of the Primary Enrollee"
    And a warning mentions "The ... identification number of the Primary Enrollee"
    And a warning mentions "The name of the Enrollee"
    And a warning mentions "The Dentist's name"
    And a warning mentions "The Dentist's ... facility location"
    And a warning mentions "the name of the Luxor representative that processed the grievance"
    And a warning mentions "a summary or other documents explaining the nature of the grievance"

    Examples:
      | channel  |
      | by mail  |
      | by fax   |
      | by email |
      | online   |

  Scenario: A resolved grievance whose record has no summary of the resolution is flagged (reading: the summary is required once the grievance is resolved)
    Given a grievance received by mail on Monday 2 December 2024 at 09:00
    And the grievance was resolved on Monday 16 December 2024 at 15:00
    And the record gives the narrative, the representative's name, the patient's name, the member's id, the member's name, the member's address, the member's phone, the provider's name and the provider's location
    When the grievance is evaluated
    Then a warning mentions "a summary of the resolution"

  Scenario: A resolved grievance whose record holds a summary of the resolution raises no warnings
    Given a grievance received by mail on Monday 2 December 2024 at 09:00
    And the grievance was resolved on Monday 16 December 2024 at 15:00
    And the record gives the narrative, the representative's name, the patient's name, the member's id, the member's name, the member's address, the member's phone, the provider's name, the provider's location and the summary of the resolution
    When the grievance is evaluated
    Then there are no warnings

  Scenario: An unresolved grievance is not yet asked for a summary of the resolution
    Given a grievance received by mail on Monday 2 December 2024 at 09:00
    And the record gives the narrative, the representative's name, the patient's name, the member's id, the member's name, the member's address, the member's phone, the provider's name and the provider's location
    When the grievance is evaluated
    Then no warning mentions "a summary of the resolution"

  Scenario: A telephone grievance is not held to the written-communication items
    Given a grievance received by telephone on Monday 2 December 2024 at 09:00
    And the record gives the narrative and the representative's name
    When the grievance is evaluated
    Then the grievance is classified as formal
    And there are no warnings

  Scenario: A complaint made by a provider is flagged (reading: the policy is silent on provider complaints)
    Given a grievance received by mail on Monday 2 December 2024 at 09:00
    And the provider complains
    When the grievance is evaluated
    Then a warning mentions "complainant is a provider"
    And the grievance is classified as formal
