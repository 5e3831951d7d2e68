Feature: Connecticut Dental Health Partnership (CTDHP) client grievance process
  Verifies the "ctdhp" policy pack against the CTDHP Client Grievance Process slides (source
  document 000_aa41c7bbf3b6f886.txt): every client expression of dissatisfaction is a grievance,
  recorded in the CRM with type, level, date, provider and narrative, the DPH complaint form
  offered, and handled by complaint level:
  - Level I (non-clinical, administrative): provider relations contact the office if the CSR or
    DHCS could not solve it;
  - Level II (clinical care): office visited within 5 days, corrective action plan in writing,
    follow-up in 30 days, referral to DSS if the office remains deficient;
  - Level III (serious): CSR/DHCS immediately advise provider relations and/or senior management,
    immediate contact with the office, DSS informed after the facts are gathered.

  Times are Connecticut time (America/New_York). The pack reads "within 5 days" as 5 calendar
  days from receipt and "follow-up in 30 days" as 30 calendar days after the office visit (the
  actual visit once it has happened, otherwise the visit's due date). Calendar-day deadlines do
  not move off weekends or holidays. Every expected date below was counted by hand. A scenario
  whose title says "(reading: ...)" checks the pack's reading of the slides, not their words.

  Background:
    Given the policy "ctdhp"

  Scenario Outline: The complaint level follows the most serious concern raised (reading: the most serious level present wins)
    Given a grievance received by telephone on Monday 2 December 2024 at 10:00
    And the concerns are <concerns>
    When the grievance is evaluated
    Then the grievance is classified as a grievance
    And the grievance is Level <level>
    And it is handled by the plan

    Examples:
      | concerns                                 | level |
      | office unclean                           | I     |
      | staff rude                               | I     |
      | incorrect billing                        | I     |
      | misinformation                           | I     |
      | benefit not covered                      | I     |
      | instruments not sterilized               | II    |
      | unauthorized treatment                   | II    |
      | poor quality work                        | II    |
      | unsafe environment                       | II    |
      | violence or abuse                        | III   |
      | inappropriate sexual contact             | III   |
      | treatment caused emergency               | III   |
      | staff rude and poor quality work         | II    |
      | poor quality work and violence or abuse  | III   |

  Scenario: Level I not solved by the CSR: provider relations contact the office (reading: "not solved" means not yet resolved)
    Given a grievance received by telephone on Monday 2 December 2024 at 10:00
    And the concern is staff rude
    When the grievance is evaluated
    Then the grievance is Level I
    And the required actions are:
      | action                                          | due         | status  |
      | record the grievance in the CRM system          | no due date | pending |
      | offer the client the DPH complaint form         | no due date | pending |
      | provider relations contacts the provider office | no due date | pending |

  Scenario: Level I solved by the CSR on the call: no contact with the office is needed
    Given a grievance received by telephone on Monday 2 December 2024 at 10:00
    And the concern is incorrect billing
    And the grievance was resolved on Monday 2 December 2024 at 10:20
    When the grievance is evaluated
    Then the grievance is Level I
    And the action to record the grievance in the CRM system is required
    And the action to offer the client the DPH complaint form is required
    And the provider office contact is not required

  Scenario: Level I resolved after provider relations contacted the office: the contact stays, as done
    Given a grievance received by telephone on Monday 2 December 2024 at 10:00
    And the concern is office unclean
    And a "contacted" event on Tuesday 3 December 2024 at 11:00
    And the grievance was resolved on Wednesday 4 December 2024 at 15:00
    When the grievance is evaluated
    Then the provider office contact is done
    And the provider office contact was done on Tuesday 3 December 2024 at 11:00

  Scenario Outline: Level II: office visit within 5 calendar days, follow-up 30 days after the visit's due date (reading: "within 5 days" as calendar days from receipt, "follow-up in 30 days" after the visit)
    Given a grievance received by telephone on <received>
    And the concern is instruments not sterilized
    When the grievance is evaluated
    Then the grievance is Level II
    And the visit to the provider office is due on <visit due> at 23:59:59
    And the follow-up is due on <follow-up due>
    And the basis of the follow-up mentions "not yet done"

    Examples:
      | received                            | visit due                  | follow-up due             |
      # 25 Nov + 5 = Sat 30 Nov (weekend: not moved); 30 Nov + 30 = Mon 30 Dec
      | Monday 25 November 2024 at 10:00    | Saturday 30 November 2024  | Monday 30 December 2024   |
      # Thanksgiving week: 26 Nov + 5 = Sun 1 Dec; 1 Dec + 30 = Tue 31 Dec
      | Tuesday 26 November 2024 at 11:00   | Sunday 1 December 2024     | Tuesday 31 December 2024  |
      # Christmas Eve: 24 Dec + 5 = Sun 29 Dec; 29 Dec + 30 = 2 days to 31 Dec + 28 = Tue 28 Jan
      | Tuesday 24 December 2024 at 09:00   | Sunday 29 December 2024    | Tuesday 28 January 2025   |
      # 27 Dec + 5 = New Year's Day, Wed 1 Jan (a holiday: not moved); 1 Jan + 30 = Fri 31 Jan
      | Friday 27 December 2024 at 16:00    | Wednesday 1 January 2025   | Friday 31 January 2025    |

  Scenario Outline: Level II: once the office is visited, the follow-up is due 30 days after the actual visit (reading: "follow-up in 30 days" counts from the visit)
    Given a grievance received by telephone on Monday 25 November 2024 at 10:00
    And the concern is poor quality work
    And an "office visited" event on <visited>
    When the grievance is evaluated
    Then the visit to the provider office is <visit>
    And the follow-up is due on <follow-up due>
    And the basis of the follow-up mentions "visit_office done"

    Examples:
      | visited                              | visit | follow-up due             |
      # in time: 27 Nov + 30 = 3 days to 30 Nov + 27 = Fri 27 Dec
      | Wednesday 27 November 2024 at 14:00  | done  | Friday 27 December 2024   |
      # the visit was due Sat 30 Nov 23:59:59, so a visit on 3 Dec is late, never done;
      # 3 Dec + 30 = 28 days to 31 Dec + 2 = Thu 2 Jan
      | Tuesday 3 December 2024 at 10:00     | late  | Thursday 2 January 2025   |
      # the last second of the due day is still in time
      | Saturday 30 November 2024 at 23:59   | done  | Monday 30 December 2024   |

  Scenario: Level II actions before the visit: visit, written corrective action plan and follow-up
    Given a grievance received by telephone on Monday 25 November 2024 at 10:00
    And the concern is unsafe environment
    When the grievance is evaluated
    Then the required actions are:
      | action                                       | due                                   | status  |
      | record the grievance in the CRM system       | no due date                           | pending |
      | offer the client the DPH complaint form      | no due date                           | pending |
      | provider relations visits the provider office | Saturday 30 November 2024 at 23:59:59 | pending |
      | written corrective action plan               | no due date                           | pending |
      | follow-up with the office                    | Monday 30 December 2024               | pending |
    And the action to refer the office to DSS is not required

  Scenario Outline: Level II office visit is pending until the end of its due day, then overdue
    Given a grievance received by telephone on Monday 25 November 2024 at 10:00
    And the concern is unauthorized treatment
    When the grievance is evaluated as of <as of>
    Then the visit to the provider office is <status>

    Examples:
      | as of                               | status  |
      | Saturday 30 November 2024 at 23:59  | pending |
      | Sunday 1 December 2024 at 00:00     | overdue |

  Scenario: Level II office still deficient at follow-up: referred to DSS for possible termination (reading: "remains deficient" is a deficiency found after the follow-up)
    Given a grievance received by telephone on Monday 25 November 2024 at 10:00
    And the concern is instruments not sterilized
    And an "office visited" event on Wednesday 27 November 2024 at 14:00
    And a "corrective action plan received" event on Monday 2 December 2024 at 09:00
    And a "followed up" event on Friday 27 December 2024 at 10:00
    And a "deficiency found" event on Friday 27 December 2024 at 10:30
    When the grievance is evaluated as of Friday 27 December 2024 at 12:00
    Then the required actions are:
      | action                                                    | due                      | status  |
      | record the grievance in the CRM system                    | no due date              | pending |
      | offer the client the DPH complaint form                   | no due date              | pending |
      | provider relations visits the provider office             | Saturday 30 November 2024 | done   |
      | written corrective action plan                            | no due date              | done    |
      | follow-up with the office                                 | Friday 27 December 2024  | done    |
      | refer the office to DSS for possible termination from the network | no due date      | pending |

  Scenario: Level II deficiency found at the first visit: corrective action and follow-up, no DSS referral yet (reading: the office does not yet "remain" deficient)
    Given a grievance received by telephone on Monday 25 November 2024 at 10:00
    And the concern is instruments not sterilized
    And an "office visited" event on Wednesday 27 November 2024 at 14:00
    And a "deficiency found" event on Wednesday 27 November 2024 at 14:30
    When the grievance is evaluated as of Thursday 28 November 2024 at 09:00
    # follow-up: 27 Nov (the actual visit) + 30 = 3 days to 30 Nov + 27 = Friday 27 December 2024
    Then the follow-up is due on Friday 27 December 2024
    And the written corrective action plan is pending
    And the action to refer the office to DSS is not required

  Scenario: Level II deficiency found again after the follow-up: the office remains deficient and is referred to DSS (reading: "remains deficient" is a deficiency found after the follow-up)
    Given a grievance received by telephone on Monday 25 November 2024 at 10:00
    And the concern is instruments not sterilized
    And an "office visited" event on Wednesday 27 November 2024 at 14:00
    And a "deficiency found" event on Wednesday 27 November 2024 at 14:30
    And a "corrective action plan received" event on Monday 2 December 2024 at 09:00
    And a "followed up" event on Friday 27 December 2024 at 10:00
    When the grievance is evaluated as of Friday 27 December 2024 at 12:00
    Then the action to refer the office to DSS is not required

  Scenario: Level III: immediate advice to management and immediate contact with the office (reading: "immediately" is due at the moment of receipt)
    Given a grievance received by telephone on Tuesday 3 December 2024 at 14:30
    And the concerns are violence or abuse and staff rude
    When the grievance is evaluated
    Then the grievance is Level III
    And the required actions are:
      | action                                                     | due                               |
      | record the grievance in the CRM system                     | no due date                       |
      | offer the client the DPH complaint form                    | no due date                       |
      | immediately advise provider relations and/or senior management | Tuesday 3 December 2024 at 14:30 |
      | immediate contact with the office and investigation        | Tuesday 3 December 2024 at 14:30  |
    And the action to inform DSS once the facts are gathered is not required
    And the visit to the provider office is not required

  Scenario: Level III: DSS is informed after the facts are gathered, with no due date (reading: the slides give an order, not a time)
    Given a grievance received by telephone on Tuesday 3 December 2024 at 14:30
    And the concern is inappropriate sexual contact
    And a "management notified" event on Tuesday 3 December 2024 at 14:40
    And a "contacted" event on Tuesday 3 December 2024 at 15:10
    And a "facts gathered" event on Friday 6 December 2024 at 11:00
    When the grievance is evaluated as of Friday 6 December 2024 at 11:30
    # "immediately" is due at the moment of receipt (14:30): advice at 14:40 and contact at
    # 15:10 came after it, so both are late, never done
    Then the action to immediately advise provider relations and/or senior management is late
    And the immediate contact with the office is late
    And the action to inform DSS once the facts are gathered has no due date
    And the action to inform DSS once the facts are gathered is pending

  Scenario Outline: Level III immediate actions are overdue from the moment after receipt (reading: "immediately" is due at the moment of receipt)
    Given a grievance received by telephone on Tuesday 3 December 2024 at 14:30
    And the concern is treatment caused emergency
    And a "management notified" event on Tuesday 3 December 2024 at 14:30
    When the grievance is evaluated as of <as of>
    Then the action to immediately advise provider relations and/or senior management is done
    And the immediate contact with the office is <contact>

    Examples:
      | as of                              | contact |
      | Tuesday 3 December 2024 at 14:30   | pending |
      | Tuesday 3 December 2024 at 14:31   | overdue |

  Scenario: A grievance recorded without type, provider or narrative is flagged (reading: level and date always come from the rules and the receipt)
    Given a grievance received by telephone on Monday 2 December 2024 at 10:00
    And the concern is staff rude
    When the grievance is evaluated
    Then a warning mentions "record is missing type"
    And a warning mentions "record is missing provider"
    And a warning mentions "record is missing narrative"

  Scenario: A fully recorded grievance raises no warnings
    Given a grievance received by mail on Monday 2 December 2024 at 10:00
    And the grievance type is quality of provider service
    And the concern is staff rude
    And the record is complete
    When the grievance is evaluated
    Then the grievance is Level I
    And there are no warnings
    And its timeliness cannot be told

  Scenario Outline: A third Level I complaint against the same office within 90 days requires a review, not an automatic Level II (reading: 3 complaints within 90 days is the plan's threshold, not the slides' words)
    Given a grievance received by telephone on <received>
    And the concern is staff rude
    And the grievance names provider "Main Street Dental"
    And earlier grievances were received:
      | received                          | concerns          | provider           |
      | Tuesday 1 October 2024 at 10:00   | office unclean    | Main Street Dental |
      | Friday 15 November 2024 at 10:00  | incorrect billing | <second office>    |
    When the grievance is evaluated together with the earlier grievances
    Then the grievance is Level I
    And the grievance <completes> a pattern with the earlier grievances
    And the review of the repeated Level I complaints is <review>
    And the visit to the provider office is not required

    Examples:
      | received                           | second office      | completes         | review       |
      # 1 Oct + 90 calendar days: 30 days to 31 Oct, +30 Nov (60), +30 = Monday 30 December
      | Monday 30 December 2024 at 10:00   | Main Street Dental | completes         | required     |
      | Tuesday 31 December 2024 at 10:00  | Main Street Dental | does not complete | not required |
      # the second complaint is about another office: only two against Main Street Dental
      | Monday 30 December 2024 at 10:00   | Elm Street Dental  | does not complete | not required |

  Scenario: The review names the related grievances (reading: "may result" is provider relations' decision)
    Given a grievance received by telephone on Monday 30 December 2024 at 10:00
    And the concern is benefit not covered
    And the grievance names provider "Main Street Dental"
    And earlier grievances were received:
      | received                           | concerns   | provider           |
      | Tuesday 1 October 2024 at 10:00    | staff rude | Main Street Dental |
      | Friday 15 November 2024 at 10:00   | staff rude | Main Street Dental |
    When the grievance is evaluated together with the earlier grievances
    Then the grievance is Level I
    And the review of the repeated Level I complaints has no due date
    And the basis of the review of the repeated Level I complaints mentions "EARLIER-1, EARLIER-2"
    And the review of the repeated Level I complaints is pending

  Scenario: Once provider relations decide to escalate, the grievance is Level II, counted from the decision (reading: the level changes only when the decision is recorded)
    Given a grievance received by telephone on Monday 30 December 2024 at 10:00
    And the concern is benefit not covered
    And the grievance names provider "Main Street Dental"
    And an "escalated to level ii" event on Thursday 2 January 2025 at 09:00
    And earlier grievances were received:
      | received                           | concerns   | provider           |
      | Tuesday 1 October 2024 at 10:00    | staff rude | Main Street Dental |
      | Friday 15 November 2024 at 10:00   | staff rude | Main Street Dental |
    When the grievance is evaluated together with the earlier grievances
    Then the grievance is Level II
    And the grievance completes a pattern with the earlier grievances
    And the review of the repeated Level I complaints is done
    # visit: 2 Jan (the decision) + 5 = Tuesday 7 January 2025; follow-up: 7 Jan + 30 = 24 days
    # to 31 Jan + 6 = Thursday 6 February 2025
    And the visit to the provider office is due on Tuesday 7 January 2025 at 23:59:59
    And the follow-up is due on Thursday 6 February 2025
    And the provider office contact is not required

  Scenario: A complaint made by a provider is flagged as outside the client grievance process (reading: the slides are silent on provider complaints)
    Given a grievance received by telephone on Monday 2 December 2024 at 10:00
    And the provider complains
    And the concern is staff rude
    When the grievance is evaluated
    Then the grievance is Level I
    And a warning mentions "complainant is a provider"
    And the action to offer the client the DPH complaint form is not required
    And the action to record the grievance in the CRM system is required
